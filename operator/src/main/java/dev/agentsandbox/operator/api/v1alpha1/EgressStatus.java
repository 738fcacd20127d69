package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.ArrayList;
import java.util.List;

/** Counts copied from the egress proxy's status endpoint. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EgressStatus(
        @JsonPropertyDescription("Requests and tunnels the proxy allowed.") Long allowed,
        @JsonPropertyDescription("Requests and tunnels the proxy denied.") Long denied,
        @JsonPropertyDescription("The most recently denied hosts, newest first.") List<DeniedHost> lastDenied,
        @JsonPropertyDescription("Per credential host, the upstream's last answer to a request that carried the"
                + " injected credential: a rejection (401, 403) or a success (2xx, 3xx).")
        @JsonInclude(JsonInclude.Include.NON_EMPTY)
        List<CredentialAnswer> credentialAnswers) {

    public EgressStatus {
        lastDenied = lastDenied == null ? new ArrayList<>() : lastDenied;
        credentialAnswers = credentialAnswers == null ? new ArrayList<>() : credentialAnswers;
    }

    /** Counters of a proxy that has no credential answer to report. */
    public EgressStatus(Long allowed, Long denied, List<DeniedHost> lastDenied) {
        this(allowed, denied, lastDenied, null);
    }

    /** A host the proxy refused, and when. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DeniedHost(
            @JsonPropertyDescription("The host the agent asked for.") String host,
            @JsonPropertyDescription("When it was refused (RFC 3339).") String at) {
    }

    /** What an upstream last answered to the injected credential of one host (never the value). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CredentialAnswer(
            @JsonPropertyDescription("The host the credential is injected for.") String host,
            @JsonPropertyDescription("The credential's name in spec.credentials.") String credential,
            @JsonPropertyDescription("The upstream's HTTP status code.") Integer status,
            @JsonPropertyDescription("When it answered (RFC 3339).") String at) {
    }
}
