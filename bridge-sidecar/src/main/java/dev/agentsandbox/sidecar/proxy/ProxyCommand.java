package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.contract.CredentialRule;
import dev.agentsandbox.sidecar.contract.ProxyConfig;
import dev.agentsandbox.sidecar.contract.ProxyLimitArgs;
import dev.agentsandbox.sidecar.contract.SidecarArgs;
import dev.agentsandbox.sidecar.contract.SidecarPorts;
import dev.agentsandbox.sidecar.core.CommandLine;
import dev.agentsandbox.sidecar.core.HostAndPort;
import dev.agentsandbox.sidecar.core.JsonLog;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The {@code proxy} role: parses its command line and runs a {@link ProxyServer} until the process stops. */
public final class ProxyCommand {

    static final String DEFAULT_LISTEN = SidecarArgs.LOOPBACK + ":" + SidecarPorts.PROXY;
    /** Loopback unless asked: the operator opens it to the cluster with {@code --admin}. */
    static final String DEFAULT_ADMIN = SidecarArgs.LOOPBACK + ":" + SidecarPorts.PROXY_ADMIN;

    static final String USAGE = """
            usage: agentsandbox-sidecar proxy [options]

            The credential-injecting egress proxy. Deny by default; policy from --config or from the rule flags.

            Policy (one of):
              --config FILE            proxy.json as the operator writes it into the sidecar ConfigMap; reloaded when
                                       it changes (an invalid new file is refused, the old policy stays)
              --allow RULE             allow a host: host, *.domain (one label), **.domain (any depth), each with an
                                       optional :port (without one, only 80 and 443). Repeatable
              --deny RULE              refuse a host even when allowed (deny beats allow). Repeatable
              --allow-cidr CIDR        exempt an address range from the always-denied private ranges, and allow
                                       IP-literal targets in it. Repeatable
              --credential SPEC        inject a header for one exact host over intercepted TLS. Repeatable.
                                       SPEC: host=H,header=X,file=PATH[,format=F][,user=U][,name=N]
                                       format has one %%s (default "%%s"); user makes the value Base64(user:secret)

            Listening:
              --listen HOST:PORT       proxy address (default %s)
              --admin HOST:PORT        /healthz, /metrics, /status (default %s)
              --protect-port PORT      another sidecar port never reachable through the proxy (default: the
                                       bridge's %d and %d). Repeatable

            TLS:
              --ca-dir DIR             write the interception CA certificate to DIR/ca.crt (the key is never written)
              --trust-bundle FILE      extra PEM certificates trusted for upstream servers (besides the system store)

            Limits:
              --max-connections N      concurrent client connections; more get 503 (default %d)
              --max-tunnels N          concurrent CONNECT tunnels; more get 503 (default %d)
              --max-header-bytes N     request line plus headers (default %d)
              --header-timeout SEC     time for each request head to arrive (default %d)
              --idle-timeout SEC       close connections idle this long (default %d)
              --connect-timeout SEC    upstream connect timeout (default %d)

              --help                   this text
            """.formatted(DEFAULT_LISTEN, DEFAULT_ADMIN, SidecarPorts.BRIDGE, SidecarPorts.BRIDGE_ADMIN,
            ProxyLimitArgs.DEFAULTS.maxConnections(), ProxyLimitArgs.DEFAULTS.maxTunnels(),
            ProxyLimitArgs.DEFAULTS.maxHeaderBytes(), ProxyLimitArgs.DEFAULTS.headerTimeoutSeconds(),
            ProxyLimitArgs.DEFAULTS.idleTimeoutSeconds(), ProxyLimitArgs.DEFAULTS.connectTimeoutSeconds());

    private static final Set<String> VALUE_OPTIONS = Set.of(SidecarArgs.CONFIG, "allow", "deny", "allow-cidr",
            "credential", SidecarArgs.LISTEN, SidecarArgs.ADMIN, "protect-port", SidecarArgs.CA_DIR,
            SidecarArgs.TRUST_BUNDLE, ProxyLimitArgs.MAX_CONNECTIONS, ProxyLimitArgs.MAX_TUNNELS,
            ProxyLimitArgs.MAX_HEADER_BYTES, ProxyLimitArgs.HEADER_TIMEOUT, ProxyLimitArgs.IDLE_TIMEOUT,
            ProxyLimitArgs.CONNECT_TIMEOUT);

    private ProxyCommand() {
    }

    public static int run(String[] args) throws Exception {
        ProxyOptions options;
        try {
            CommandLine line = CommandLine.parse(args, VALUE_OPTIONS, Set.of("help"));
            if (line.has("help")) {
                System.out.print(USAGE);
                return 0;
            }
            options = options(line);
        } catch (IllegalArgumentException | CommandLine.UsageException e) {
            System.err.println("proxy: " + e.getMessage());
            System.err.println("run 'agentsandbox-sidecar proxy --help' for the options");
            return 2;
        }
        JsonLog log = JsonLog.stdout("proxy");
        SystemHostResolver resolver = new SystemHostResolver(4, 1024);
        ProxyServer server = new ProxyServer(options, resolver, log);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            resolver.close();
        }, "shutdown"));
        try {
            server.start();
        } catch (Exception e) {
            log.error("start-failed").field("error", e.getMessage()).write();
            log.flush();
            return 1;
        }
        server.awaitClose();
        return 0;
    }

    static ProxyOptions options(CommandLine line) {
        Path config = line.value(SidecarArgs.CONFIG).map(Path::of).orElse(null);
        boolean hasRuleFlags = !line.values("allow").isEmpty() || !line.values("deny").isEmpty()
                || !line.values("allow-cidr").isEmpty() || !line.values("credential").isEmpty();
        if (config != null && hasRuleFlags) {
            throw new IllegalArgumentException("--config and --allow/--deny/--allow-cidr/--credential exclude each "
                    + "other: put the rules in the file, or drop --config");
        }
        ProxyConfig inline = config != null ? null : new ProxyConfig(line.values("allow"), line.values("deny"),
                line.values("allow-cidr"), credentials(line.values("credential")));
        List<Integer> protectedPorts = line.values("protect-port").stream().map(p -> intOption("protect-port", p))
                .toList();
        ProxyLimitArgs defaults = ProxyLimitArgs.DEFAULTS;
        ProxyLimits limits = ProxyLimits.of(new ProxyLimitArgs(
                intOption(line, ProxyLimitArgs.MAX_CONNECTIONS, defaults.maxConnections()),
                intOption(line, ProxyLimitArgs.MAX_TUNNELS, defaults.maxTunnels()),
                intOption(line, ProxyLimitArgs.MAX_HEADER_BYTES, defaults.maxHeaderBytes()),
                seconds(line, ProxyLimitArgs.HEADER_TIMEOUT, defaults.headerTimeoutSeconds()),
                seconds(line, ProxyLimitArgs.IDLE_TIMEOUT, defaults.idleTimeoutSeconds()),
                seconds(line, ProxyLimitArgs.CONNECT_TIMEOUT, defaults.connectTimeoutSeconds())));
        return new ProxyOptions(
                HostAndPort.parse(line.value(SidecarArgs.LISTEN).orElse(DEFAULT_LISTEN)),
                HostAndPort.parse(line.value(SidecarArgs.ADMIN).orElse(DEFAULT_ADMIN)),
                config, inline,
                line.value(SidecarArgs.CA_DIR).map(Path::of).orElse(null),
                line.value(SidecarArgs.TRUST_BUNDLE).map(Path::of).orElse(null),
                protectedPorts.isEmpty() ? SidecarPorts.BRIDGE_PORTS : Set.copyOf(protectedPorts),
                limits, Duration.ofSeconds(10));
    }

    /** Parses {@code host=H,header=X,file=PATH[,format=F][,user=U][,name=N]}. */
    static List<CredentialRule> credentials(List<String> specs) {
        List<CredentialRule> rules = new ArrayList<>();
        for (String spec : specs) {
            Map<String, String> fields = new HashMap<>();
            for (String part : spec.split(",")) {
                int eq = part.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("--credential '" + spec + "': expected key=value pairs "
                            + "(host=H,header=X,file=PATH[,format=F][,user=U])");
                }
                String key = part.substring(0, eq).trim();
                if (!Set.of("host", "header", "file", "format", "user", "name").contains(key)) {
                    throw new IllegalArgumentException("--credential: unknown key '" + key
                            + "' (use host, header, file, format, user, name)");
                }
                fields.put(key, part.substring(eq + 1));
            }
            for (String required : List.of("host", "header", "file")) {
                if (!fields.containsKey(required)) {
                    throw new IllegalArgumentException("--credential '" + spec + "': missing " + required + "=");
                }
            }
            rules.add(new CredentialRule(fields.getOrDefault("name", fields.get("host")), fields.get("host"),
                    fields.get("header"), fields.get("format"), fields.get("file"), fields.get("user")));
        }
        return rules;
    }

    private static int intOption(String option, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + option + " '" + value + "': expected a whole number");
        }
    }

    private static int intOption(CommandLine line, String option, int fallback) {
        return line.value(option).map(v -> intOption(option, v)).orElse(fallback);
    }

    private static int seconds(CommandLine line, String option, int fallback) {
        int seconds = intOption(line, option, fallback);
        if (seconds < 1) {
            throw new IllegalArgumentException("--" + option + " must be at least 1 second");
        }
        return seconds;
    }
}
