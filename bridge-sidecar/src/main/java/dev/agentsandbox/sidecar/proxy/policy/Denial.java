package dev.agentsandbox.sidecar.proxy.policy;

/**
 * A refusal and what caused it.
 *
 * @param reason the machine-readable reason
 * @param detail the rule or range that decided (policy text, never request data beyond the host)
 */
public record Denial(DenyReason reason, String detail) {
}
