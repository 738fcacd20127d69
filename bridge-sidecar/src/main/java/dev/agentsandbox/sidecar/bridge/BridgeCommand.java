package dev.agentsandbox.sidecar.bridge;

import dev.agentsandbox.sidecar.contract.SidecarConfigJson.InvalidConfigException;
import dev.agentsandbox.sidecar.core.CommandLine.UsageException;
import dev.agentsandbox.sidecar.core.JsonLog;

import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/** The {@code bridge} role: {@code agentsandbox-sidecar bridge [options]} (see {@link BridgeOptions#HELP}). */
public final class BridgeCommand {

    private BridgeCommand() {
    }

    /** Runs the bridge until the process is told to stop; returns 2 for a usage or configuration error. */
    public static int run(String[] args) throws Exception {
        Optional<BridgeOptions> options;
        try {
            options = BridgeOptions.parse(args);
        } catch (UsageException | InvalidConfigException | UncheckedIOException | IllegalArgumentException e) {
            System.err.println("bridge: " + e.getMessage());
            return 2;
        }
        if (options.isEmpty()) {
            System.out.print(BridgeOptions.HELP);
            return 0;
        }
        JsonLog log = JsonLog.stdout("bridge");
        Bridge bridge;
        try {
            bridge = Bridge.start(options.get(), log);
        } catch (IllegalArgumentException e) {
            System.err.println("bridge: " + e.getMessage());
            return 2;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("stopping").write();
            try {
                bridge.close();
            } catch (Exception e) {
                log.warn("stop-failed").field("error", e.toString()).write();
            } finally {
                log.close();
                stopped.countDown();
            }
        }, "bridge-shutdown"));
        stopped.await();
        return 0;
    }
}
