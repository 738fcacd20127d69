package dev.agentsandbox.operator.plan;

import dev.agentsandbox.operator.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;

import java.util.Map;

/**
 * The compute resources of the operator's containers in a sandbox pod: a CPU request, and memory requested and
 * limited alike (the sidecar JVM sizes its heap from the limit, so the two together keep it inside). Checked when
 * the operator starts, so a malformed quantity stops it with the setting named instead of failing every pod.
 */
public record SidecarResources(ResourceRequirements proxy, ResourceRequirements bridge,
                               ResourceRequirements egressInit) {

    private static final String PREFIX = "agentsandbox.sidecar.";

    public static SidecarResources from(OperatorConfig.Sidecar config) {
        return new SidecarResources(
                requirements("proxy", config.proxyCpu(), config.proxyMemory()),
                requirements("bridge", config.bridgeCpu(), config.bridgeMemory()),
                requirements("egress-init", config.egressInitCpu(), config.egressInitMemory()));
    }

    private static ResourceRequirements requirements(String container, String cpu, String memory) {
        Quantity cpuRequest = quantity(PREFIX + container + "-cpu", cpu);
        Quantity memoryBoth = quantity(PREFIX + container + "-memory", memory);
        return new ResourceRequirementsBuilder()
                .withRequests(Map.of("cpu", cpuRequest, "memory", memoryBoth))
                .withLimits(Map.of("memory", memoryBoth))
                .build();
    }

    private static Quantity quantity(String setting, String value) {
        try {
            Quantity quantity = new Quantity(value);
            if (Quantity.getAmountInBytes(quantity).signum() > 0) {
                return quantity;
            }
        } catch (RuntimeException e) {
            // reported below
        }
        throw new IllegalArgumentException(setting + " must be a positive Kubernetes quantity such as 256Mi or"
                + " 50m, not '" + value + "'");
    }
}
