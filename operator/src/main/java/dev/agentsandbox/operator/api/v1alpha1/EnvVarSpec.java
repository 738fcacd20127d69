package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import java.util.Map;


/**
 * A literal environment variable of the agent.
 *
 * <p>{@code valueFrom} is in the schema only so that the API server can refuse it with a message that says where
 * secrets go; a schema without it would silently prune it, and the agent would start without the variable.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.valueFrom)",
        message = "spec.agent.env[].valueFrom is not supported: give a literal value, and pass secrets through"
                + " spec.credentials so that the agent never sees them")
@ValidationRule(value = "!(self.name in ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy',"
        + " 'no_proxy', 'ALL_PROXY', 'all_proxy', 'SSL_CERT_FILE', 'NODE_EXTRA_CA_CERTS', 'REQUESTS_CA_BUNDLE',"
        + " 'GIT_SSL_CAINFO'])",
        message = "spec.agent.env[].name: proxy and CA variables are set by the operator; remove this entry")
public class EnvVarSpec {

    @JsonPropertyDescription("Variable name, e.g. LOG_LEVEL.")
    @Required
    @Pattern(Validation.ENV_NAME)
    @Size(max = 256)
    private String name;

    @JsonPropertyDescription("Literal value.")
    @Size(max = 32768)
    private String value;

    @JsonPropertyDescription("Not supported: refused by the API server. Secrets go through spec.credentials.")
    @PreserveUnknownFields
    private Map<String, Object> valueFrom;

    public EnvVarSpec() {
    }

    public EnvVarSpec(String name, String value) {
        this.name = name;
        this.value = value;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getValue() {
        return value;
    }

    public void setValue(String value) {
        this.value = value;
    }

    public Map<String, Object> getValueFrom() {
        return valueFrom;
    }

    public void setValueFrom(Map<String, Object> valueFrom) {
        this.valueFrom = valueFrom;
    }
}
