package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code status.phase}: a summary for humans and printer columns; conditions carry the detail. */
public enum SandboxPhase {
    @JsonProperty("Pending") PENDING,
    @JsonProperty("Starting") STARTING,
    @JsonProperty("Ready") READY,
    @JsonProperty("Paused") PAUSED,
    @JsonProperty("Expired") EXPIRED,
    /** The agent exited 0 and does not restart (spec.agent.restartPolicy Never or OnFailure). */
    @JsonProperty("Succeeded") SUCCEEDED,
    /** An input check failed, or the agent ended for good with a non-zero exit code. */
    @JsonProperty("Failed") FAILED
}
