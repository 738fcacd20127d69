package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Whether the sandbox runs, and when it stops. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.idleCpuThreshold) || has(self.idleTimeout)",
        message = "spec.lifecycle.idleCpuThreshold only refines spec.lifecycle.idleTimeout: set idleTimeout (e.g. 30m)"
                + " or remove idleCpuThreshold")
public class LifecycleSpec {

    @JsonPropertyDescription("Running, or Paused: the pod is deleted and the workspace kept.")
    @Default("Running")
    private LifecycleMode mode = LifecycleMode.RUNNING;

    @JsonPropertyDescription("RFC 3339 time at which the sandbox shuts down, e.g. 2026-12-01T00:00:00Z.")
    @Pattern(Validation.RFC3339)
    private String shutdownTime;

    @JsonPropertyDescription("Seconds the sandbox may exist, counted from its creation (like a Job's"
            + " activeDeadlineSeconds): then it expires as at shutdownTime (the earlier of the two wins) and"
            + " shutdownPolicy applies. With shutdownPolicy Delete this bounds a short-lived sandbox, e.g. one per tool"
            + " call, even when the program that created it never deletes it. Counted from creation, not from Ready, so a"
            + " sandbox that never becomes Ready is cleaned up too.")
    @ValidationRule(value = "self >= 1", message = "spec.lifecycle.activeDeadlineSeconds must be at least 1 (seconds"
            + " from creation), e.g. 600; omit it for no deadline")
    private Long activeDeadlineSeconds;

    @JsonPropertyDescription("Seconds after the agent ended for good (spec.agent.restartPolicy Never or OnFailure;"
            + " status.agentExit.finishedAt) at which the sandbox is deleted with everything it owns, like a Job's"
            + " ttlSecondsAfterFinished; 0 deletes it at once. Whatever shutdownPolicy says. Omitted: an ended"
            + " sandbox stays (Succeeded or Failed, its pod kept for its logs) until it is deleted.")
    @ValidationRule(value = "self >= 0", message = "spec.lifecycle.ttlSecondsAfterFinished must be 0 or more (seconds"
            + " after the agent ended), e.g. 60; omit it to keep an ended sandbox")
    private Long ttlSecondsAfterFinished;

    @JsonPropertyDescription("Opt-in idle suspend, e.g. 30m or 1h30m: after this long with no request through the egress"
            + " proxy and no model call, the operator pauses the sandbox (mode Paused: the pod is deleted, the workspace"
            + " kept; Ready reason Idle). Setting mode Running resumes it. Local work without network use (a long"
            + " build, a terminal session) does not count as activity, except CPU use above idleCpuThreshold.")
    @Pattern(Validation.GO_DURATION)
    @ValidationRule(value = "duration(self) >= duration('1m')",
            message = "spec.lifecycle.idleTimeout must be at least 1m, e.g. 30m")
    private String idleTimeout;

    @JsonPropertyDescription("Opt-in, with idleTimeout: CPU use of the agent container above this many cores (a CPU"
            + " quantity, e.g. 100m or 0.5) counts as activity too, so a long local build without network use is not"
            + " paused. Needs the metrics.k8s.io API (metrics-server); where it is not served, CPU use is not"
            + " considered and status.agentCpu says so.")
    @Size(max = 16)
    @ValidationRule(value = "self.matches('" + Validation.CPU_ABOVE_ZERO + "')",
            message = "spec.lifecycle.idleCpuThreshold must be a CPU quantity above zero, in cores or millicores,"
                    + " e.g. 100m or 0.5")
    private String idleCpuThreshold;

    @JsonPropertyDescription("What happens at shutdownTime or activeDeadlineSeconds: Pause (delete the pod, keep the workspace) or Delete"
            + " (delete the sandbox and everything it owns).")
    @Default("Pause")
    private ShutdownPolicy shutdownPolicy = ShutdownPolicy.PAUSE;

    public LifecycleMode getMode() {
        return mode;
    }

    public void setMode(LifecycleMode mode) {
        this.mode = mode;
    }

    public String getShutdownTime() {
        return shutdownTime;
    }

    public void setShutdownTime(String shutdownTime) {
        this.shutdownTime = shutdownTime;
    }

    public Long getActiveDeadlineSeconds() {
        return activeDeadlineSeconds;
    }

    public void setActiveDeadlineSeconds(Long activeDeadlineSeconds) {
        this.activeDeadlineSeconds = activeDeadlineSeconds;
    }

    public Long getTtlSecondsAfterFinished() {
        return ttlSecondsAfterFinished;
    }

    public void setTtlSecondsAfterFinished(Long ttlSecondsAfterFinished) {
        this.ttlSecondsAfterFinished = ttlSecondsAfterFinished;
    }

    public String getIdleTimeout() {
        return idleTimeout;
    }

    public void setIdleTimeout(String idleTimeout) {
        this.idleTimeout = idleTimeout;
    }

    public String getIdleCpuThreshold() {
        return idleCpuThreshold;
    }

    public void setIdleCpuThreshold(String idleCpuThreshold) {
        this.idleCpuThreshold = idleCpuThreshold;
    }

    public ShutdownPolicy getShutdownPolicy() {
        return shutdownPolicy;
    }

    public void setShutdownPolicy(ShutdownPolicy shutdownPolicy) {
        this.shutdownPolicy = shutdownPolicy;
    }
}
