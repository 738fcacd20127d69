package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.contract.ProxyConfig;
import dev.agentsandbox.sidecar.core.HostAndPort;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * The proxy process's options, from its command line: where it listens, where its files are, its limits. The
 * policy it enforces is {@link ProxyConfig} (the file format) and, once checked, the {@code EgressPolicy}.
 *
 * @param listen        the proxy port
 * @param admin         the admin port ({@code /healthz}, {@code /metrics}, {@code /status}); null for none
 * @param configFile    the policy file, watched and reloaded; null when {@code inlinePolicy} is used
 * @param inlinePolicy  the policy from command-line flags, when there is no file
 * @param caDir         where {@code ca.crt} is written; null to not write it
 * @param trustBundle   extra PEM certificates trusted for upstreams, or null
 * @param otherOwnPorts ports of the other sidecar (the bridge) that must never be reachable through the proxy
 * @param limits        the abuse bounds
 * @param pollInterval  how often watched files are re-checked even without a file-system event
 */
public record ProxyOptions(HostAndPort listen, HostAndPort admin, Path configFile, ProxyConfig inlinePolicy,
                            Path caDir, Path trustBundle, Set<Integer> otherOwnPorts, ProxyLimits limits,
                            Duration pollInterval) {

    public ProxyOptions {
        if ((configFile == null) == (inlinePolicy == null)) {
            throw new IllegalArgumentException("give either a config file or an inline policy");
        }
        otherOwnPorts = Set.copyOf(otherOwnPorts);
    }
}
