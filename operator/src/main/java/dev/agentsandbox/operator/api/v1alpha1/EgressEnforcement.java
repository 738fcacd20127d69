package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Locale;

/**
 * How the sandbox's egress is confined to the proxy and the bridge (docs/architecture.md, "Security model"),
 * declared from weakest to strictest. The one enum for it: {@code spec.egress.enforcement} spells it as the JSON
 * names below, the operator's {@code agentsandbox.enforcement-mode} the same names in lower case
 * ({@code config.EnforcementModeConverter}).
 */
public enum EgressEnforcement {
    /** Only the pod's NetworkPolicy: the agent could still open its own connections to public ports 80/443. */
    @JsonProperty("NetworkPolicy") NETWORK_POLICY,
    /** Additionally an {@code egress-init} container installs iptables rules: only the sidecars' UIDs may leave. */
    @JsonProperty("Iptables") IPTABLES;

    public boolean weakerThan(EgressEnforcement other) {
        return ordinal() < other.ordinal();
    }

    /** As {@code spec.egress.enforcement} spells it. */
    public String specName() {
        try {
            return EgressEnforcement.class.getField(name()).getAnnotation(JsonProperty.class).value();
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException(e); // every constant is a field
        }
    }

    /** As {@code agentsandbox.enforcement-mode} spells it. */
    public String configName() {
        return specName().toLowerCase(Locale.ROOT);
    }
}
