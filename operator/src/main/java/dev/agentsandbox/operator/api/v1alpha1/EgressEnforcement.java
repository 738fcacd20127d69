package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code spec.egress.enforcement}: the sandbox's choice over the operator's {@code agentsandbox.enforcement-mode}. */
public enum EgressEnforcement {
    @JsonProperty("NetworkPolicy") NETWORK_POLICY,
    @JsonProperty("Iptables") IPTABLES
}
