package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** An AgentSandboxTemplate of the same namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TemplateRef {

    @JsonPropertyDescription("Name of the AgentSandboxTemplate, in the namespace of the referring object.")
    @Required
    @Pattern(Validation.DNS_SUBDOMAIN)
    @Size(max = 253)
    private String name;

    public TemplateRef() {
    }

    public TemplateRef(String name) {
        this.name = name;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TemplateRef other && java.util.Objects.equals(name, other.name);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hashCode(name);
    }
}
