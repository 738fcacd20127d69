package dev.agentsandbox.sidecar.contract;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Objects;

/**
 * One header the proxy sets on requests to one host, with a value read from a mounted Secret file.
 *
 * <p>The header value is {@code format} with its single {@code %s} replaced by the secret (or, when
 * {@code basicAuthUser} is set, by the Base64 of {@code basicAuthUser:secret}, for HTTP basic authentication).
 *
 * @param name          the credential's name in the AgentSandbox, for logs and metrics (never the value)
 * @param host          the exact host name the header is injected for; never a wildcard
 * @param header        the header name, e.g. {@code x-api-key} or {@code Authorization}
 * @param format        the header value template with exactly one {@code %s}, e.g. {@code Bearer %s};
 *                      null for {@link #DEFAULT_FORMAT}
 * @param valueFile     the path of the mounted Secret key; re-read when it changes (Secret rotation)
 * @param basicAuthUser optional user for basic authentication, e.g. {@code x-access-token} for github.com
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CredentialRule(String name, String host, String header, String format, String valueFile,
                             String basicAuthUser) {

    /** The placeholder in {@link #format()} that the secret replaces. */
    public static final String PLACEHOLDER = "%s";
    /** The format when none is given: the header carries the secret as it is. Applied here only. */
    public static final String DEFAULT_FORMAT = PLACEHOLDER;

    public CredentialRule {
        Objects.requireNonNull(name, "credential name");
        Objects.requireNonNull(host, "credential host");
        Objects.requireNonNull(header, "credential header");
        Objects.requireNonNull(valueFile, "credential valueFile");
        format = format == null ? DEFAULT_FORMAT : format;
        if (format.indexOf(PLACEHOLDER) < 0 || format.indexOf(PLACEHOLDER) != format.lastIndexOf(PLACEHOLDER)) {
            throw new IllegalArgumentException("credential " + name + ": format must contain exactly one %s");
        }
    }

    /** A rule without basic authentication. */
    public CredentialRule(String name, String host, String header, String format, String valueFile) {
        this(name, host, header, format, valueFile, null);
    }
}
