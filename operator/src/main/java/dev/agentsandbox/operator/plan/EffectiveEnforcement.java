package dev.agentsandbox.operator.plan;

import dev.agentsandbox.operator.api.v1alpha1.EgressEnforcement;

/**
 * The enforcement a sandbox gets, decided by {@link EnforcementRules}.
 *
 * @param mode    what the pod is built with ({@code IPTABLES}: with egress-init)
 * @param outcome whether that is what was asked for, and if not why
 * @param message for the sandbox's owner: what was decided and, when it is less than asked, what is lost
 */
public record EffectiveEnforcement(EgressEnforcement mode, Outcome outcome, String message) {

    public enum Outcome {
        /** The requested mode (the sandbox's, else the operator's) applies as it is. */
        AS_REQUESTED,
        /** The sandbox asked for a weaker mode than the operator's, which the operator does not allow: no pod. */
        WEAKER_REFUSED,
        /** Iptables was wanted but the RuntimeClass cannot run the rules: the NetworkPolicy alone applies. */
        IPTABLES_UNSUPPORTED
    }

    public static EffectiveEnforcement asRequested(EgressEnforcement mode) {
        return new EffectiveEnforcement(mode, Outcome.AS_REQUESTED, "egress enforcement " + mode.configName());
    }

    public boolean egressInit() {
        return mode == EgressEnforcement.IPTABLES;
    }
}
