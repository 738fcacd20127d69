package dev.agentsandbox.sidecar.bridge;

import dev.agentsandbox.sidecar.contract.BridgeConfig;
import dev.agentsandbox.sidecar.contract.SidecarConfigJson;
import dev.agentsandbox.sidecar.core.AdminServer;
import dev.agentsandbox.sidecar.core.EventLoops;
import dev.agentsandbox.sidecar.core.FileWatcher;
import dev.agentsandbox.sidecar.core.JsonLog;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A running model bridge: the agent-facing listener, the admin endpoint, and (with {@code --config}) the watch
 * that applies a changed {@code bridge.json} without a restart. A changed file that does not pass the checks is
 * logged and ignored; the last good policy stays in force.
 */
public final class Bridge implements AutoCloseable {

    private static final Duration CONFIG_POLL_INTERVAL = Duration.ofSeconds(10);
    private static final int IO_THREADS = 2;

    private final EventLoops loops;
    private final BridgeServer server;
    private final UsageMeter meter;
    private final JsonLog log;
    private final FileWatcher watcher;
    private final InetSocketAddress address;
    private final InetSocketAddress adminAddress;

    private Bridge(EventLoops loops, BridgeServer server, UsageMeter meter, JsonLog log, FileWatcher watcher,
                   InetSocketAddress address, InetSocketAddress adminAddress) {
        this.loops = loops;
        this.server = server;
        this.meter = meter;
        this.log = log;
        this.watcher = watcher;
        this.address = address;
        this.adminAddress = adminAddress;
    }

    /** Checks the policy, then binds both listeners; the exception's message says what to fix. */
    public static Bridge start(BridgeOptions options, JsonLog log) throws IOException, InterruptedException {
        AtomicReference<BridgePolicy> policy = new AtomicReference<>(BridgePolicy.from(options.config()));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        UsageMeter meter = new UsageMeter(registry);
        // Two I/O threads serve one agent well, and bound how many bodies are parsed into trees at once whatever
        // the node's core count (the heap is sized from the memory limit, not from the cores).
        EventLoops loops = new EventLoops(IO_THREADS);
        BridgeServer server = new BridgeServer(loops,
                new BridgeContext(policy::get, meter, log, options.connectTimeout(), options.readTimeout(),
                        new UsagelessStreams(options.streamWithoutUsage())),
                options.limits());
        FileWatcher watcher = null;
        try {
            InetSocketAddress address = server.start(options.listen());
            InetSocketAddress admin = new AdminServer(registry, meter::status, () -> true)
                    .start(loops, options.admin());
            if (options.configFile().isPresent()) {
                watcher = watchConfig(options.configFile().get(), policy, log);
            }
            log.info("started")
                    .field("listen", address.getHostString() + ":" + address.getPort())
                    .field("admin", admin.getHostString() + ":" + admin.getPort())
                    .field("upstream", options.config().upstream())
                    .field("allowedModels", policy.get().models().allowed())
                    .field("tokenBudget", options.config().tokenBudget())
                    .field("streamWithoutUsage", options.streamWithoutUsage().cliValue())
                    .write();
            return new Bridge(loops, server, meter, log, watcher, address, admin);
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            loops.close();
            if (watcher != null) {
                watcher.close();
            }
            throw e;
        }
    }

    private static FileWatcher watchConfig(Path file, AtomicReference<BridgePolicy> policy, JsonLog log)
            throws IOException {
        FileWatcher watcher = new FileWatcher(CONFIG_POLL_INTERVAL,
                error -> log.warn("config-watch-failed").field("error", error.getMessage()).write());
        watcher.watch(file, Files.readAllBytes(file), content -> {
            try {
                BridgeConfig config = SidecarConfigJson.readBridge(new String(content, StandardCharsets.UTF_8));
                policy.set(BridgePolicy.from(config));
                log.info("config-applied").field("file", file.toString())
                        .field("upstream", config.upstream())
                        .field("allowedModels", policy.get().models().allowed())
                        .field("tokenBudget", config.tokenBudget())
                        .write();
            } catch (RuntimeException e) {
                log.warn("config-rejected").field("file", file.toString()).field("error", e.getMessage())
                        .field("keeping", "the last good configuration").write();
            }
        });
        return watcher;
    }

    /** Where the agent connects. */
    public InetSocketAddress address() {
        return address;
    }

    public InetSocketAddress adminAddress() {
        return adminAddress;
    }

    public UsageMeter meter() {
        return meter;
    }

    @Override
    public void close() throws IOException {
        if (watcher != null) {
            watcher.close();
        }
        server.close();
        loops.close();
        log.flush();
    }
}
