package dev.agentsandbox.sidecar.egressinit;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether any process in this network namespace could open an IPv6 socket: if none can, there is no IPv6 egress to
 * police and the IPv6 rules are skipped; in every other case they must be installed (a pod with IPv6 addresses
 * switched off by sysctl still gets them: the stack is there).
 */
final class Ipv6Stack {

    private final Path ifInet6;

    Ipv6Stack() {
        this(Path.of("/proc/net/if_inet6"));
    }

    /** @param ifInet6 the procfs file the kernel's IPv6 stack provides in every network namespace it serves */
    Ipv6Stack(Path ifInet6) {
        this.ifInet6 = ifInet6;
    }

    boolean present() {
        loadIfLoadable();
        return Files.exists(ifInet6);
    }

    /**
     * Where IPv6 is a kernel module not loaded yet, the agent's first IPv6 socket would load it, after this program
     * has decided to skip the IPv6 rules. Opening one here first makes the decision the same one the agent would
     * meet. With {@code ipv6.disable=1} nothing loads and nobody gets an IPv6 socket.
     */
    private static void loadIfLoadable() {
        try (DatagramChannel ignored = DatagramChannel.open(StandardProtocolFamily.INET6)) {
            // Only the attempt matters.
        } catch (IOException | UnsupportedOperationException e) {
            // No IPv6 socket for anybody: exactly what present() then reports.
        }
    }
}
