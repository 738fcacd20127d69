package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.agentsandbox.sidecar.contract.CredentialRule;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** One header the proxy sets on HTTPS requests to one host rule. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class InjectRule {

    /** The sidecar's own default, so the API server's default and the proxy's cannot disagree. */
    public static final String DEFAULT_FORMAT = CredentialRule.DEFAULT_FORMAT;

    // One exact host, not a host rule: a wildcard would hand the secret to every host under a domain (some of
    // which anyone can publish on), and the proxy keys injection by host name, on ports 443 and 80.
    @JsonPropertyDescription("The exact host the header is injected for, e.g. gitlab.internal.example. Declaring it"
            + " also allows the host on ports 443 and 80. No wildcard and no port: the secret goes to this host only.")
    @Required
    @Size(max = 253)
    @ValidationRule(value = "self.matches('" + Validation.EXACT_HOST + "')",
            message = "spec.credentials[].inject[].host must be one exact host name such as gitlab.internal.example,"
                    + " with no wildcard, port, scheme or path: the proxy injects the secret into that host only")
    private String host;

    @JsonPropertyDescription("Header name, e.g. Authorization. Every copy the agent sends is removed first.")
    @Required
    @Pattern(Validation.HEADER_NAME)
    @Size(max = 128)
    private String header;

    @JsonPropertyDescription("Header value with exactly one %s where the secret goes, e.g. 'Bearer %s'.")
    @Default("'" + DEFAULT_FORMAT + "'")
    @Size(max = 256)
    @ValidationRule(value = "self.indexOf('%s') >= 0 && self.indexOf('%s') == self.lastIndexOf('%s')",
            message = "spec.credentials[].inject[].format must contain exactly one %s, e.g. 'Bearer %s'")
    private String format = DEFAULT_FORMAT;

    public InjectRule() {
    }

    public InjectRule(String host, String header, String format) {
        this.host = host;
        this.header = header;
        this.format = format;
    }

    public String getHost() {
        return host;
    }

    public void setHost(String host) {
        this.host = host;
    }

    public String getHeader() {
        return header;
    }

    public void setHeader(String header) {
        this.header = header;
    }

    public String getFormat() {
        return format;
    }

    public void setFormat(String format) {
        this.format = format;
    }
}
