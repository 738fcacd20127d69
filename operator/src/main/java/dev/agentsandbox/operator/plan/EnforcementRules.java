package dev.agentsandbox.operator.plan;

import dev.agentsandbox.operator.api.v1alpha1.EgressEnforcement;

import java.util.List;
import java.util.Optional;

/**
 * Decides a sandbox's egress enforcement (the one place for it): {@code spec.egress.enforcement} over the
 * operator's mode, stricter always, weaker only when the operator allows it; and no iptables where the runtime
 * cannot run them, because egress-init would fail and the pod would never start.
 *
 * @param operatorMode        {@code agentsandbox.enforcement-mode}
 * @param allowWeaker         {@code agentsandbox.allow-weaker-enforcement}
 * @param unsupportedHandlers {@code agentsandbox.iptables-unsupported-handlers}, RuntimeClass handlers such as runsc
 */
public record EnforcementRules(EgressEnforcement operatorMode, boolean allowWeaker, List<String> unsupportedHandlers) {

    public EnforcementRules {
        unsupportedHandlers = List.copyOf(unsupportedHandlers);
    }

    /**
     * @param requested        {@code spec.egress.enforcement}; null: the operator's mode
     * @param runtimeClassName the sandbox's effective RuntimeClass
     * @param handler          that RuntimeClass's handler; empty while the RuntimeClass is unknown (then the
     *                         RuntimeReady check keeps the pod from being created anyway)
     */
    public EffectiveEnforcement decide(EgressEnforcement requested, String runtimeClassName, Optional<String> handler) {
        EgressEnforcement wanted = requested == null ? operatorMode : requested;
        if (wanted.weakerThan(operatorMode) && !allowWeaker) {
            return new EffectiveEnforcement(operatorMode, EffectiveEnforcement.Outcome.WEAKER_REFUSED,
                    "spec.egress.enforcement " + wanted.specName() + " is weaker than the operator's"
                            + " agentsandbox.enforcement-mode=" + operatorMode.configName()
                            + ", and agentsandbox.allow-weaker-enforcement is false; remove spec.egress.enforcement"
                            + " or set it to " + operatorMode.specName());
        }
        Optional<String> unsupported = handler.filter(unsupportedHandlers::contains);
        if (wanted == EgressEnforcement.IPTABLES && unsupported.isPresent()) {
            return new EffectiveEnforcement(EgressEnforcement.NETWORK_POLICY,
                    EffectiveEnforcement.Outcome.IPTABLES_UNSUPPORTED, "RuntimeClass " + runtimeClassName
                    + " (handler " + unsupported.get() + ") cannot run iptables rules: egress is enforced by the"
                    + " proxy and the NetworkPolicy only, so the agent could open its own connections to public"
                    + " ports 80/443");
        }
        return EffectiveEnforcement.asRequested(wanted);
    }
}
