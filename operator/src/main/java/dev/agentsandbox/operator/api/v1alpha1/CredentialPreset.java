package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The providers whose injection rules the operator knows; see {@code CredentialPresets} for the expansion. */
public enum CredentialPreset {
    @JsonProperty("anthropic") ANTHROPIC,
    @JsonProperty("openai") OPENAI,
    @JsonProperty("google") GOOGLE,
    @JsonProperty("github") GITHUB
}
