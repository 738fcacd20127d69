package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.contract.ProxyConfig;
import dev.agentsandbox.sidecar.core.HostAndPort;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * How one proxy process runs (the policy itself is in {@link ProxyConfig}).
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
public record ProxySettings(HostAndPort listen, HostAndPort admin, Path configFile, ProxyConfig inlinePolicy,
                            Path caDir, Path trustBundle, Set<Integer> otherOwnPorts, ProxyLimits limits,
                            Duration pollInterval) {

    public ProxySettings {
        if ((configFile == null) == (inlinePolicy == null)) {
            throw new IllegalArgumentException("give either a config file or an inline policy");
        }
        otherOwnPorts = Set.copyOf(otherOwnPorts);
    }
}
