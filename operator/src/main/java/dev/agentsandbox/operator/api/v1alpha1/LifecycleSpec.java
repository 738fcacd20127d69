package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;

/** Whether the sandbox runs, and when it stops. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LifecycleSpec {

    @JsonPropertyDescription("Running, or Paused: the pod is deleted and the workspace kept.")
    @Default("Running")
    private LifecycleMode mode = LifecycleMode.RUNNING;

    @JsonPropertyDescription("RFC 3339 time at which the sandbox shuts down, e.g. 2026-12-01T00:00:00Z.")
    @Pattern(Validation.RFC3339)
    private String shutdownTime;

    @JsonPropertyDescription("What happens at shutdownTime: Pause (delete the pod, keep the workspace) or Delete"
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

    public ShutdownPolicy getShutdownPolicy() {
        return shutdownPolicy;
    }

    public void setShutdownPolicy(ShutdownPolicy shutdownPolicy) {
        this.shutdownPolicy = shutdownPolicy;
    }
}
