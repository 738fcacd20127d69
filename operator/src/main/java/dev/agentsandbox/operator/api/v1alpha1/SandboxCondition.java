package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * A condition per the Kubernetes API conventions. Our own type rather than Fabric8's {@code Condition} so that
 * every field carries a description in the CRD ({@code kubectl explain agentsandbox.status.conditions}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SandboxCondition(
        @JsonPropertyDescription("Ready, RuntimeReady, CredentialsReady, EgressReady, ModelRunnerReady or"
                + " WorkspaceReady.") String type,
        @JsonPropertyDescription("True, False or Unknown.") String status,
        @JsonPropertyDescription("A CamelCase reason for the last transition, e.g. SecretNotFound.") String reason,
        @JsonPropertyDescription("A human-readable explanation that names the object or field at fault.")
        String message,
        @JsonPropertyDescription("When the status last changed (RFC 3339).") String lastTransitionTime,
        @JsonPropertyDescription("The metadata.generation the condition was set for.") Long observedGeneration) {

    public static final String TRUE = "True";
    public static final String FALSE = "False";
    public static final String UNKNOWN = "Unknown";

    @JsonIgnore
    public boolean isTrue() {
        return TRUE.equals(status);
    }
}
