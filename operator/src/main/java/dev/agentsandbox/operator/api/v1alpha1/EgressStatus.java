package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Counts copied from the egress proxy's status endpoint, and the proxy container's restarts. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EgressStatus(
        @JsonPropertyDescription("Requests and tunnels the proxy allowed.") Long allowed,
        @JsonPropertyDescription("Requests and tunnels the proxy denied.") Long denied,
        @JsonPropertyDescription("The most recently denied hosts, newest first.") List<DeniedHost> lastDenied,
        @JsonPropertyDescription("Per credential host, the upstream's last answer to a request that carried the"
                + " injected credential: a rejection (401, 403) or a success (2xx, 3xx).")
        @JsonInclude(JsonInclude.Include.NON_EMPTY)
        List<CredentialAnswer> credentialAnswers,
        @JsonPropertyDescription("The most denied hosts (at most 10), with the latest reason and the count since the"
                + " proxy started.")
        @JsonInclude(JsonInclude.Include.NON_EMPTY)
        List<HostDenials> deniedHosts,
        @JsonPropertyDescription("Requests that carried an injected credential since the proxy started, per host.")
        @JsonInclude(JsonInclude.Include.NON_EMPTY)
        Map<String, Long> injected,
        @JsonPropertyDescription("Times the egress-proxy container restarted; its counters start again from zero.")
        Integer restarts,
        @JsonPropertyDescription("The agent's latest request or connection through the proxy, allowed or not (RFC"
                + " 3339): what spec.lifecycle.idleTimeout measures.")
        String lastActivity) {

    /** How many of the proxy's per-host denials the status keeps: the most denied. */
    public static final int DENIED_HOSTS_KEPT = 10;

    public EgressStatus {
        lastDenied = lastDenied == null ? new ArrayList<>() : lastDenied;
        credentialAnswers = credentialAnswers == null ? new ArrayList<>() : credentialAnswers;
        deniedHosts = deniedHosts == null ? new ArrayList<>() : deniedHosts;
        injected = injected == null ? new LinkedHashMap<>() : injected;
    }

    /** Counters of a proxy that has no credential answer to report. */
    public EgressStatus(Long allowed, Long denied, List<DeniedHost> lastDenied) {
        this(allowed, denied, lastDenied, null);
    }

    public EgressStatus(Long allowed, Long denied, List<DeniedHost> lastDenied,
                        List<CredentialAnswer> credentialAnswers) {
        this(allowed, denied, lastDenied, credentialAnswers, null, null, null, null);
    }

    /** The same counters with the proxy container's restart count. */
    public EgressStatus withRestarts(Integer count) {
        return new EgressStatus(allowed, denied, lastDenied, credentialAnswers, deniedHosts, injected, count,
                lastActivity);
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

    /** How often the proxy refused one host. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record HostDenials(
            @JsonPropertyDescription("The refused host; _other counts the hosts beyond the proxy's 50.") String host,
            @JsonPropertyDescription("The reason code of the latest refusal, e.g. host-not-allowed.") String reason,
            @JsonPropertyDescription("Refusals since the proxy started.") Long count,
            @JsonPropertyDescription("The latest refusal (RFC 3339).") String at) {
    }
}
