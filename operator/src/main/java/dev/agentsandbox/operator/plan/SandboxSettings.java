package dev.agentsandbox.operator.plan;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The operator settings the desired objects depend on, as plain values so the builders need no CDI.
 *
 * @param egressAllowCidrs private or reserved ranges every sandbox's proxy may reach (the proxy's allowCidrs)
 * @param dnsCidrs         DNS servers besides the kube-dns pods that the NetworkPolicy admits on port 53
 * @param upstreamTrust    PEM certificates every proxy trusts for intercepted upstreams besides its system store
 *                         ({@link UpstreamTrust}), or empty
 */
public record SandboxSettings(String sidecarImage, String gitImage, String operatorNamespace,
                              Map<String, String> operatorPodSelector, SidecarResources sidecarResources,
                              List<String> egressAllowCidrs, List<String> dnsCidrs, Optional<String> upstreamTrust) {

    public SandboxSettings {
        egressAllowCidrs = List.copyOf(egressAllowCidrs);
        dnsCidrs = List.copyOf(dnsCidrs);
        // Sorted: the NetworkPolicy must render the same on every reconcile.
        operatorPodSelector = Collections.unmodifiableMap(new TreeMap<>(operatorPodSelector));
    }
}
