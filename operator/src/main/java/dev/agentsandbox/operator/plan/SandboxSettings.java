package dev.agentsandbox.operator.plan;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** The operator settings the desired objects depend on, as plain values so the builders need no CDI. */
public record SandboxSettings(String sidecarImage, String gitImage, String operatorNamespace,
                              Map<String, String> operatorPodSelector, SidecarResources sidecarResources) {

    public SandboxSettings {
        // Sorted: the NetworkPolicy must render the same on every reconcile.
        operatorPodSelector = Collections.unmodifiableMap(new TreeMap<>(operatorPodSelector));
    }
}
