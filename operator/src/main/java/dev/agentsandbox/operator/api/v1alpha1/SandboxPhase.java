package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code status.phase}: a summary for humans and printer columns; conditions carry the detail. */
public enum SandboxPhase {
    @JsonProperty("Pending") PENDING,
    @JsonProperty("Starting") STARTING,
    @JsonProperty("Ready") READY,
    @JsonProperty("Paused") PAUSED,
    @JsonProperty("Expired") EXPIRED,
    @JsonProperty("Failed") FAILED
}
