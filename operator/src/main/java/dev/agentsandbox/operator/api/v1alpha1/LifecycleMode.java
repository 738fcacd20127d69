package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code spec.lifecycle.mode}. */
public enum LifecycleMode {
    @JsonProperty("Running") RUNNING,
    @JsonProperty("Paused") PAUSED
}
