package dev.agentsandbox.sidecar.contract;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;

/**
 * The egress proxy's {@code /status} document (admin port {@link SidecarPorts#PROXY_ADMIN}); the operator copies it
 * into the sandbox's {@code status.egress}. A reader ignores fields it does not know: a newer sidecar may add some.
 *
 * @param allowed    decisions that allowed a connection or request since start
 * @param denied     decisions that refused one
 * @param lastDenied the most recent refusals, newest first
 */
@JsonPropertyOrder({"allowed", "denied", "lastDenied"})
public record ProxyStatus(long allowed, long denied, List<DeniedHost> lastDenied) {

    public ProxyStatus {
        lastDenied = lastDenied == null ? List.of() : List.copyOf(lastDenied);
    }

    /**
     * @param host the refused host
     * @param at   when, RFC 3339
     */
    @JsonPropertyOrder({"host", "at"})
    public record DeniedHost(String host, String at) {
    }
}
