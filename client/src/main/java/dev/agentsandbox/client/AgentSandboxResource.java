package dev.agentsandbox.client;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The client's view of an AgentSandbox: the few names it reads and writes, as the CRD ({@code crds/}) defines them.
 * The library holds no copy of the operator's Java model, so it depends on Fabric8 alone; its tests run it against
 * the committed CRD on a real API server.
 */
final class AgentSandboxResource {

    static final String GROUP = "agentsandbox.dev";
    static final String VERSION = "v1alpha1";
    static final String KIND = "AgentSandbox";
    static final ResourceDefinitionContext CONTEXT = new ResourceDefinitionContext.Builder()
            .withGroup(GROUP).withVersion(VERSION).withKind(KIND).withPlural("agentsandboxes").withNamespaced(true)
            .build();
    /** The container commands run in: the untrusted agent's, never a sidecar's. */
    static final String AGENT_CONTAINER = "agent";
    static final String READY = "Ready";

    private AgentSandboxResource() {
    }

    /**
     * {@code status.phase}: Pending, Starting, Ready, Paused, Expired, Succeeded, Failed; null before the first
     * status.
     */
    static String phase(GenericKubernetesResource sandbox) {
        return status(sandbox).map(s -> s.get("phase")).map(String::valueOf).orElse(null);
    }

    /** {@code status.agentExit} with the phase, once the agent ended for good. */
    static Optional<AgentExit> agentExit(GenericKubernetesResource sandbox) {
        return status(sandbox).map(s -> s.get("agentExit")).filter(Map.class::isInstance).map(e -> (Map<?, ?>) e)
                .map(e -> new AgentExit(e.get("exitCode") instanceof Number n ? n.intValue() : null, phase(sandbox),
                        text(e.get("reason")), text(e.get("finishedAt"))));
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }

    /** The pod the operator reports, or the name it always gives it ({@code <name>-sandbox}). */
    static String podName(GenericKubernetesResource sandbox) {
        return status(sandbox).map(s -> s.get("podName")).map(String::valueOf)
                .orElse(sandbox.getMetadata().getName() + "-sandbox");
    }

    /** The {@code Ready} condition's reason and message. */
    static Optional<Map<?, ?>> readyCondition(GenericKubernetesResource sandbox) {
        return status(sandbox).map(s -> s.get("conditions")).filter(List.class::isInstance)
                .map(c -> (List<?>) c).flatMap(conditions -> conditions.stream().filter(Map.class::isInstance)
                        .map(c -> (Map<?, ?>) c).filter(c -> READY.equals(c.get("type"))).findFirst());
    }

    /** What a person would want to read about a sandbox that is not Ready: its phase and its Ready condition. */
    static String describe(GenericKubernetesResource sandbox) {
        String phase = phase(sandbox);
        return "phase " + (phase == null ? "not reported yet" : phase) + readyCondition(sandbox)
                .map(c -> ", Ready=" + c.get("status") + " " + c.get("reason") + ": " + c.get("message")).orElse("");
    }

    private static Optional<Map<?, ?>> status(GenericKubernetesResource sandbox) {
        Object status = sandbox.getAdditionalProperties().get("status");
        return status instanceof Map<?, ?> map ? Optional.of(map) : Optional.empty();
    }
}
