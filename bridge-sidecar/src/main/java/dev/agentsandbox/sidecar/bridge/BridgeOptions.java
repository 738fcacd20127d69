package dev.agentsandbox.sidecar.bridge;

import dev.agentsandbox.sidecar.contract.BridgeConfig;
import dev.agentsandbox.sidecar.contract.BridgeLimitArgs;
import dev.agentsandbox.sidecar.contract.SidecarArgs;
import dev.agentsandbox.sidecar.contract.SidecarConfigJson;
import dev.agentsandbox.sidecar.contract.SidecarPorts;
import dev.agentsandbox.sidecar.core.CommandLine.UsageException;
import dev.agentsandbox.sidecar.core.CommandLine;
import dev.agentsandbox.sidecar.core.HostAndPort;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code bridge} role's command line. The policy comes either from a file ({@code --config}, the format the
 * operator writes, watched for changes) or from flags; never from both, so there is one answer to "which model
 * list applies".
 *
 * @param listen         where the agent reaches the bridge
 * @param admin          where {@code /healthz}, {@code /metrics} and {@code /status} are served
 * @param configFile     the watched {@code bridge.json}, when the policy comes from a file
 * @param config         the policy at start
 * @param connectTimeout see {@link BridgeContext#connectTimeout()}
 * @param readTimeout    see {@link BridgeContext#readTimeout()}
 * @param limits         what one agent may hold of the bridge
 * @param streamWithoutUsage what to do with a streamed answer that reports no usage ({@link UsagelessStreams})
 */
public record BridgeOptions(HostAndPort listen, HostAndPort admin, Optional<Path> configFile, BridgeConfig config,
                            Duration connectTimeout, Duration readTimeout, BridgeLimits limits,
                            UsagelessStreams.Mode streamWithoutUsage) {

    public static final String DEFAULT_LISTEN = SidecarArgs.LOOPBACK + ":" + SidecarPorts.BRIDGE;
    public static final String DEFAULT_ADMIN = SidecarArgs.ANY_ADDRESS + ":" + SidecarPorts.BRIDGE_ADMIN;
    private static final BridgeLimitArgs DEFAULTS = BridgeLimitArgs.DEFAULTS;

    private static final Set<String> POLICY_FLAGS = Set.of("upstream", "default-model", "allow-model",
            "token-budget");
    private static final Set<String> VALUE_OPTIONS = Set.of(SidecarArgs.CONFIG, SidecarArgs.LISTEN, SidecarArgs.ADMIN,
            "upstream", "default-model", "allow-model", "token-budget", BridgeLimitArgs.CONNECT_TIMEOUT,
            BridgeLimitArgs.READ_TIMEOUT, BridgeLimitArgs.MAX_CONNECTIONS, BridgeLimitArgs.REQUEST_TIMEOUT,
            BridgeLimitArgs.MAX_BODY_BYTES, BridgeLimitArgs.MAX_BUFFERED_BYTES, SidecarArgs.STREAM_WITHOUT_USAGE);

    public static final String HELP = """
            usage: agentsandbox-sidecar bridge (--config FILE | --upstream URL [model options]) [options]

            The model bridge: the agent's local OpenAI- and Anthropic-compatible endpoint to a Docker Model Runner.
            Passes only inference requests (POST /v1/chat/completions, /v1/completions, /v1/embeddings,
            /v1/responses, /v1/messages, /v1/messages/count_tokens; GET /v1/models) and answers 403 to anything
            else; checks the model, counts tokens and enforces the token budget.

            Policy, from a file:
              --config FILE          bridge.json as the operator writes it; re-read when it changes
            or from flags:
              --upstream URL         the runner's engine URL, e.g.
                                     http://docker-model-runner.model-runner.svc/engines/llama.cpp
              --default-model M      the model used when a request names none
              --allow-model M        a model requests may name (repeatable; none given: only the default)
              --token-budget N       prompt + completion tokens after which requests get 429 (default: no budget)

            Options:
              --listen HOST:PORT     where the agent connects (default %s)
              --admin HOST:PORT      /healthz, /metrics, /status (default %s)
              --connect-timeout S    seconds to wait for the runner to accept a connection (default %d)
              --read-timeout S       seconds the runner may stay silent before and during its answer; loading a
                                     model on first use can take minutes (default %d)
              --stream-without-usage estimate|refuse
                                     a streamed answer that reports no token usage is counted and charged an
                                     estimate (prompt bytes / 4 + generated characters / 4); refuse also cuts it
                                     and refuses the model's later streamed requests (default estimate)

            Bounds per agent:
              --max-connections N    connections open at once; more get 503 too_many_connections (default %d)
              --request-timeout S    seconds a request (head and body) may take to arrive, on a new connection and
                                     after each answer; else 408 request_timeout (default %d)
              --max-body-bytes N     the largest request body; larger gets 413 body_too_large (default %d)
              --max-buffered-bytes N request bodies held at once, all connections together; a request that does
                                     not fit gets 503 bridge_busy with Retry-After (default %d)
              --help                 this text
            """.formatted(DEFAULT_LISTEN, DEFAULT_ADMIN, DEFAULTS.connectTimeoutSeconds(),
            DEFAULTS.readTimeoutSeconds(), DEFAULTS.maxConnections(), DEFAULTS.requestTimeoutSeconds(),
            DEFAULTS.maxBodyBytes(), DEFAULTS.maxBufferedBytes());

    /** Parses the arguments after {@code bridge}; returns empty when {@code --help} was asked for. */
    public static Optional<BridgeOptions> parse(String[] args) {
        CommandLine cli = CommandLine.parse(args, VALUE_OPTIONS, Set.of("help"));
        if (cli.has("help")) {
            return Optional.empty();
        }
        Optional<Path> configFile = cli.value(SidecarArgs.CONFIG).map(Path::of);
        BridgeConfig config;
        if (configFile.isPresent()) {
            for (String flag : POLICY_FLAGS) {
                if (!cli.values(flag).isEmpty()) {
                    throw new UsageException("--" + flag + " conflicts with --config: set it in the file instead");
                }
            }
            config = SidecarConfigJson.readBridge(configFile.get());
        } else {
            String upstream = cli.value("upstream").orElseThrow(() -> new UsageException(
                    "give --config FILE or --upstream URL (see --help)"));
            config = new BridgeConfig(upstream, cli.value("default-model").orElse(null),
                    List.copyOf(cli.values("allow-model")),
                    cli.value("token-budget").map(value -> positive("token-budget", value)).orElse(null));
        }
        return Optional.of(new BridgeOptions(
                address(SidecarArgs.LISTEN, cli.value(SidecarArgs.LISTEN).orElse(DEFAULT_LISTEN)),
                address(SidecarArgs.ADMIN, cli.value(SidecarArgs.ADMIN).orElse(DEFAULT_ADMIN)),
                configFile, config,
                Duration.ofSeconds(positive(cli, BridgeLimitArgs.CONNECT_TIMEOUT, DEFAULTS.connectTimeoutSeconds())),
                Duration.ofSeconds(positive(cli, BridgeLimitArgs.READ_TIMEOUT, DEFAULTS.readTimeoutSeconds())),
                BridgeLimits.of(new BridgeLimitArgs(
                        Math.toIntExact(positive(cli, BridgeLimitArgs.MAX_CONNECTIONS, DEFAULTS.maxConnections())),
                        Math.toIntExact(positive(cli, BridgeLimitArgs.REQUEST_TIMEOUT,
                                DEFAULTS.requestTimeoutSeconds())),
                        Math.toIntExact(positive(cli, BridgeLimitArgs.MAX_BODY_BYTES, DEFAULTS.maxBodyBytes())),
                        Math.toIntExact(positive(cli, BridgeLimitArgs.MAX_BUFFERED_BYTES,
                                DEFAULTS.maxBufferedBytes())),
                        DEFAULTS.connectTimeoutSeconds(), DEFAULTS.readTimeoutSeconds())),
                cli.value(SidecarArgs.STREAM_WITHOUT_USAGE).map(BridgeOptions::usagelessStreamMode)
                        .orElse(UsagelessStreams.Mode.ESTIMATE)));
    }

    private static UsagelessStreams.Mode usagelessStreamMode(String value) {
        try {
            return UsagelessStreams.Mode.parse(value);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--" + SidecarArgs.STREAM_WITHOUT_USAGE + " " + e.getMessage());
        }
    }

    private static long positive(CommandLine cli, String option, long fallback) {
        long value = cli.value(option).map(v -> positive(option, v)).orElse(fallback);
        if (value > Integer.MAX_VALUE) {
            throw new UsageException("--" + option + " must be at most " + Integer.MAX_VALUE);
        }
        return value;
    }

    private static HostAndPort address(String option, String value) {
        try {
            return HostAndPort.parse(value);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--" + option + ": " + e.getMessage());
        }
    }

    private static long positive(String option, String value) {
        try {
            long parsed = Long.parseLong(value.trim());
            if (parsed > 0) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("--" + option + " must be a whole number greater than 0, not '" + value + "'");
    }
}
