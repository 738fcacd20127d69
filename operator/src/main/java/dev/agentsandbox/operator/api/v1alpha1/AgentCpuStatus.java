package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The agent container's CPU use as idle suspend counts it (spec.lifecycle.idleCpuThreshold). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AgentCpuStatus(
        @JsonPropertyDescription("Whether the latest idle check read the agent container's CPU use from the"
                + " metrics.k8s.io API, so that it counted; false: message says why not.")
        Boolean counted,
        @JsonPropertyDescription("The latest time the agent container's CPU use, read at an idle check, was above"
                + " spec.lifecycle.idleCpuThreshold (RFC 3339): activity for spec.lifecycle.idleTimeout.")
        String lastActivity,
        @JsonPropertyDescription("Why the latest idle check could not count CPU use: the metrics.k8s.io API is not"
                + " served or did not answer, or it has no measurement of the agent container yet.")
        String message) {

    /** CPU use was read; {@code lastActivity} is the latest check at which it was above the threshold, if any. */
    public static AgentCpuStatus counted(String lastActivity) {
        return new AgentCpuStatus(true, lastActivity, null);
    }

    /** CPU use could not be read, for the reason given; the earlier activity stands. */
    public static AgentCpuStatus notCounted(String lastActivity, String why) {
        return new AgentCpuStatus(false, lastActivity, why);
    }
}
