package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The agent container's CPU use as idle suspend counts it (spec.lifecycle.idleCpuThreshold). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AgentCpuStatus(
        @JsonPropertyDescription("The latest time the agent container's CPU use, read from the metrics.k8s.io API at"
                + " an idle check, was above spec.lifecycle.idleCpuThreshold (RFC 3339): activity for"
                + " spec.lifecycle.idleTimeout.")
        String lastActivity,
        @JsonPropertyDescription("Why the latest idle check could not count CPU use (the metrics.k8s.io API is not"
                + " served or did not answer, no measurement of the agent container yet); absent when it could.")
        String message) {
}
