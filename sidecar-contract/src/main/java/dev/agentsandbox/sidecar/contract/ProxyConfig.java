package dev.agentsandbox.sidecar.contract;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * The egress proxy's policy.
 *
 * <p>Example ({@code proxy.json}):
 * <pre>{@code
 * {
 *   "allow": ["api.anthropic.com", "*.npmjs.org", "github.com", "pypi.org:443"],
 *   "deny": ["gist.github.com"],
 *   "allowCidrs": ["10.20.0.0/16"],
 *   "credentials": [
 *     {"name": "anthropic", "host": "api.anthropic.com", "header": "x-api-key", "format": "%s",
 *      "valueFile": "/etc/agentsandbox/credentials/anthropic/api-key"}
 *   ]
 * }
 * }</pre>
 *
 * @param allow       host rules that may be reached: {@code host}, {@code *.domain} (one label),
 *                    {@code **.domain} (any depth), each with an optional {@code :port}
 * @param deny        host rules that are refused even when an allow rule matches (deny beats allow)
 * @param allowCidrs  address ranges exempt from the always-denied private ranges (e.g. an internal Git server)
 * @param credentials header injection rules; a credential's host is implicitly allowed
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ProxyConfig(List<String> allow, List<String> deny, List<String> allowCidrs,
                          List<CredentialRule> credentials) {

    /** The key of the sidecar ConfigMap and the file name the proxy reads. */
    public static final String FILE_NAME = "proxy.json";

    public ProxyConfig {
        allow = allow == null ? List.of() : List.copyOf(allow);
        deny = deny == null ? List.of() : List.copyOf(deny);
        allowCidrs = allowCidrs == null ? List.of() : List.copyOf(allowCidrs);
        credentials = credentials == null ? List.of() : List.copyOf(credentials);
    }
}
