package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code spec.lifecycle.shutdownPolicy}. */
public enum ShutdownPolicy {
    @JsonProperty("Pause") PAUSE,
    @JsonProperty("Delete") DELETE
}
