package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import java.util.ArrayList;
import java.util.List;

/** An API key that the egress proxy injects; the agent only ever holds the placeholder {@code proxy-managed}. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = "has(self.preset) || (has(self.inject) && size(self.inject) > 0)",
        message = "spec.credentials[]: set a preset (anthropic, openai, google, github) or at least one inject rule")
public class CredentialSpec {

    @JsonPropertyDescription("Unique name of the credential within the sandbox (a DNS label), used in logs and"
            + " metrics instead of the value.")
    @Required
    @Pattern(Validation.DNS_LABEL)
    @Size(max = 63)
    private String name;

    @JsonPropertyDescription("A provider preset: expands to its host, header and env variable. anthropic:"
            + " api.anthropic.com, x-api-key, ANTHROPIC_API_KEY; openai: api.openai.com, Authorization Bearer,"
            + " OPENAI_API_KEY; google: generativelanguage.googleapis.com, x-goog-api-key, GEMINI_API_KEY;"
            + " github: api.github.com (Bearer) and github.com (basic auth), GH_TOKEN.")
    private CredentialPreset preset;

    @JsonPropertyDescription("The Secret key holding the value. Mounted only into the egress proxy container.")
    @Required
    private SecretKeyRef secretRef;

    @JsonPropertyDescription("Where to inject the value, in addition to the preset's rules.")
    @Size(max = 16)
    private List<InjectRule> inject = new ArrayList<>();

    @JsonPropertyDescription("Environment variable the agent sees set to 'proxy-managed', so that clients which"
            + " insist on a key start. Overrides the preset's variable.")
    @Pattern(Validation.ENV_NAME)
    @Size(max = 256)
    private String env;

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public CredentialPreset getPreset() {
        return preset;
    }

    public void setPreset(CredentialPreset preset) {
        this.preset = preset;
    }

    public SecretKeyRef getSecretRef() {
        return secretRef;
    }

    public void setSecretRef(SecretKeyRef secretRef) {
        this.secretRef = secretRef;
    }

    public List<InjectRule> getInject() {
        return inject;
    }

    public void setInject(List<InjectRule> inject) {
        this.inject = inject == null ? new ArrayList<>() : inject;
    }

    public String getEnv() {
        return env;
    }

    public void setEnv(String env) {
        this.env = env;
    }
}
