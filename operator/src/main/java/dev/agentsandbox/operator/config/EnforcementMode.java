package dev.agentsandbox.operator.config;

/** How the sandbox's egress is confined to the proxy and bridge (DESIGN.md §6), declared from weakest to strictest. */
public enum EnforcementMode {
    /** Only the pod's NetworkPolicy: the agent could still open its own connections to public ports 80/443. */
    NETWORKPOLICY,
    /** Additionally an {@code egress-init} container installs iptables rules: only the sidecars' UIDs may leave. */
    IPTABLES;

    public boolean weakerThan(EnforcementMode other) {
        return ordinal() < other.ordinal();
    }
}
