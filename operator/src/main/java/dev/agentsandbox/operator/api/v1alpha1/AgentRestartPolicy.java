package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * {@code spec.agent.restartPolicy}: what happens when the agent container exits, with a Pod's words. The agent is the
 * pod's only regular container, so this is the pod's {@code restartPolicy}; the sidecars are native sidecars (init
 * containers with {@code restartPolicy: Always}) and restart whatever it says, until the agent has ended for good.
 */
public enum AgentRestartPolicy {
    /** Restarted whatever its exit code: the sandbox runs until it is deleted, paused or expires. */
    @JsonProperty("Always") ALWAYS("Always"),
    /** Restarted after a non-zero exit; an exit 0 ends the sandbox (Succeeded). */
    @JsonProperty("OnFailure") ON_FAILURE("OnFailure"),
    /** Never restarted: its first exit ends the sandbox (Succeeded on 0, Failed otherwise). */
    @JsonProperty("Never") NEVER("Never");

    private final String podValue;

    AgentRestartPolicy(String podValue) {
        this.podValue = podValue;
    }

    /** The pod's {@code spec.restartPolicy}. */
    public String podValue() {
        return podValue;
    }

    /** Null (not set) is Always, as for a Pod. */
    public static AgentRestartPolicy orDefault(AgentRestartPolicy policy) {
        return policy == null ? ALWAYS : policy;
    }
}
