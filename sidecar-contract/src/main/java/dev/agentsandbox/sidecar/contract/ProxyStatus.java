package dev.agentsandbox.sidecar.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The egress proxy's {@code /status} document (admin port {@link SidecarPorts#PROXY_ADMIN}); the operator copies it
 * into the sandbox's {@code status.egress}. A reader ignores fields it does not know: a newer sidecar may add some.
 *
 * @param allowed           decisions that allowed a connection or request since start
 * @param denied            decisions that refused one
 * @param lastDenied        the most recent refusals, newest first
 * @param credentialAnswers per host with a credential rule, the last upstream answer to a request that carried the
 *                          injected credential and that says something about it (see {@link CredentialAnswer})
 * @param deniedHosts       denials per host since start, most denied first; at most {@link #MAX_DENIED_HOSTS}
 *                          hosts, the agent's further hosts counted under {@link #OTHER_HOSTS}
 * @param injected          requests that carried an injected credential since start, per credential host
 * @param lastActivity      the agent's latest request or connection through the proxy (allowed or not), RFC 3339;
 *                          null before the first
 */
@JsonPropertyOrder({"allowed", "denied", "lastDenied", "credentialAnswers", "deniedHosts", "injected", "lastActivity"})
public record ProxyStatus(long allowed, long denied, List<DeniedHost> lastDenied,
                          List<CredentialAnswer> credentialAnswers, List<HostDenials> deniedHosts,
                          Map<String, Long> injected,
                          @JsonInclude(JsonInclude.Include.NON_NULL) String lastActivity) {

    /** Hosts are the (untrusted) agent's choice: the per-host denials are kept for this many. */
    public static final int MAX_DENIED_HOSTS = 50;
    /** Where denials of hosts beyond {@link #MAX_DENIED_HOSTS} are counted. */
    public static final String OTHER_HOSTS = "_other";

    public ProxyStatus {
        lastDenied = lastDenied == null ? List.of() : List.copyOf(lastDenied);
        credentialAnswers = credentialAnswers == null ? List.of() : List.copyOf(credentialAnswers);
        deniedHosts = deniedHosts == null ? List.of() : List.copyOf(deniedHosts);
        injected = injected == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(injected));
    }

    /** A proxy that has not injected a credential yet (or an older one that does not report answers). */
    public ProxyStatus(long allowed, long denied, List<DeniedHost> lastDenied) {
        this(allowed, denied, lastDenied, List.of(), List.of(), Map.of(), null);
    }

    /**
     * @param host   the refused host, or {@link #OTHER_HOSTS}
     * @param reason the reason code of the latest refusal, e.g. {@code host-not-allowed}
     * @param count  refusals since start
     * @param at     the latest refusal, RFC 3339
     */
    @JsonPropertyOrder({"host", "reason", "count", "at"})
    public record HostDenials(String host, String reason, long count, String at) {
    }

    /**
     * @param host the refused host
     * @param at   when, RFC 3339
     */
    @JsonPropertyOrder({"host", "at"})
    public record DeniedHost(String host, String at) {
    }

    /**
     * What an upstream last answered to a request carrying an injected credential: a rejection ({@code 401},
     * {@code 403}) or an acceptance (any {@code 2xx} or {@code 3xx}). Other answers (a {@code 404}, a {@code 5xx})
     * say nothing about the credential and leave the last answer as it was. Never the credential's value.
     *
     * @param host       the credential's host
     * @param credential the credential's name in the AgentSandbox
     * @param status     the upstream's HTTP status code
     * @param at         when, RFC 3339
     */
    @JsonPropertyOrder({"host", "credential", "status", "at"})
    public record CredentialAnswer(String host, String credential, int status, String at) {

        /** The upstream refused the credential. */
        public boolean rejected() {
            return isRejection(status);
        }

        public static boolean isRejection(int status) {
            return status == 401 || status == 403;
        }

        /** Whether an answer with this status says anything about the credential. */
        public static boolean isTelling(int status) {
            return isRejection(status) || status >= 200 && status < 400;
        }
    }
}
