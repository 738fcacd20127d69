package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** How the agent ended for good (spec.agent.restartPolicy Never or OnFailure): kept after its pod is gone. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AgentExitStatus(
        @JsonPropertyDescription("The agent container's exit code; absent when it never ran or its end was not"
                + " recorded (an init container failed, the pod was evicted).")
        Integer exitCode,
        @JsonPropertyDescription("The runtime's or kubelet's reason, e.g. Completed, Error, OOMKilled, Evicted.")
        String reason,
        @JsonPropertyDescription("When it ended (RFC 3339); spec.lifecycle.ttlSecondsAfterFinished counts from"
                + " here.")
        String finishedAt) {

    /** Exit 0: the sandbox Succeeded. Anything else, a missing exit code included, Failed. */
    public boolean succeeded() {
        return Integer.valueOf(0).equals(exitCode);
    }
}
