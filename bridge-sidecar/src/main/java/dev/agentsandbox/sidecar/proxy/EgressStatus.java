package dev.agentsandbox.sidecar.proxy;

import java.util.List;

/**
 * What {@code /status} reports; the operator copies it into the sandbox's {@code status.egress}.
 *
 * @param allowed    decisions that allowed a connection or request since start
 * @param denied     decisions that refused one
 * @param lastDenied the most recent refusals, newest first
 */
public record EgressStatus(long allowed, long denied, List<DeniedHost> lastDenied) {

    /**
     * @param host the refused host
     * @param at   when, RFC 3339
     */
    public record DeniedHost(String host, String at) {
    }
}
