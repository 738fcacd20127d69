package dev.agentsandbox.operator.status;

import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;
import dev.agentsandbox.operator.plan.EffectiveEnforcement;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The one place that decides {@code EgressReady}. Before the workflow runs it is an input check, failed only when
 * the operator refuses the sandbox's enforcement choice (then nothing is applied). After, the condition reports what
 * the reconcile applied; iptables wanted on a RuntimeClass that cannot run them is ready, but less confined than
 * asked, so it has its own reason and is announced by a Warning. Another NetworkPolicy that selects the pod and
 * allows egress undoes the operator's (NetworkPolicies add up): not ready, {@value #EGRESS_WIDENED}, naming it, until
 * it goes away.
 */
final class EgressReadiness {

    static final String TYPE = ConditionTypes.EGRESS_READY;
    /** iptables were wanted but the RuntimeClass cannot run them: the NetworkPolicy alone holds the agent. */
    static final String NETWORK_POLICY_ONLY = "NetworkPolicyOnly";
    /** Another NetworkPolicy selects the pod and allows egress: the pod may reach what it allows. */
    static final String EGRESS_WIDENED = "EgressWidened";
    /** The Normal event when the last widening policy is gone. */
    static final String EGRESS_NARROWED = "EgressNarrowed";

    private EgressReadiness() {
    }

    /** Only a refusal fails; a passed verdict leaves EgressReady to what the reconcile applies. */
    static CheckResult inputCheck(EffectiveEnforcement enforcement) {
        if (enforcement.outcome() == EffectiveEnforcement.Outcome.WEAKER_REFUSED) {
            return CheckResult.failed(TYPE, "WeakerEnforcementNotAllowed", enforcement.message());
        }
        return CheckResult.passed(TYPE, "EnforcementGranted", enforcement.message());
    }

    /** The refusal among the input checks, else what was applied. */
    static SandboxCondition condition(StatusInputs in, boolean inputFailed, List<SandboxCondition> before,
                                      Instant now) {
        Optional<CheckResult> refused = in.checks().stream()
                .filter(c -> TYPE.equals(c.conditionType()) && !c.passed()).findFirst();
        if (refused.isPresent()) {
            return Conditions.of(before, TYPE, false, refused.get().reason(), refused.get().message(),
                    in.generation(), now);
        }
        if (in.policyApplied() && !in.wideningPolicies().isEmpty()) {
            return Conditions.of(before, TYPE, false, EGRESS_WIDENED, widenedMessage(in.wideningPolicies()),
                    in.generation(), now);
        }
        if (in.policyApplied() && in.enforcement().outcome() == EffectiveEnforcement.Outcome.IPTABLES_UNSUPPORTED) {
            return Conditions.of(before, TYPE, true, NETWORK_POLICY_ONLY, in.enforcement().message(),
                    in.generation(), now);
        }
        if (in.policyApplied()) {
            return Conditions.of(before, TYPE, true, "PolicyApplied",
                    "NetworkPolicy and sidecar ConfigMap are in place", in.generation(), now);
        }
        return Conditions.of(before, TYPE, false,
                inputFailed ? "WaitingForInputs" : "PolicyPending",
                inputFailed ? "not applied until the failed conditions are resolved"
                        : "NetworkPolicy and sidecar ConfigMap are being applied", in.generation(), now);
    }

    private static String widenedMessage(List<String> policies) {
        return "NetworkPolicy " + String.join(", ", policies) + " in this namespace "
                + (policies.size() == 1 ? "selects" : "select") + " the sandbox's pod and "
                + (policies.size() == 1 ? "allows" : "allow") + " egress; NetworkPolicies add up, so the pod may "
                + "reach what " + (policies.size() == 1 ? "it allows" : "they allow") + " besides the proxy's way"
                + " out: remove " + (policies.size() == 1 ? "it" : "them") + " or narrow "
                + (policies.size() == 1 ? "its" : "their") + " podSelector to leave out pods labelled "
                + "agentsandbox.dev/sandbox";
    }

    /** Egress is wider than the operator made it: announced by a Warning, again when the set of policies changes. */
    static boolean widened(SandboxCondition condition) {
        return TYPE.equals(condition.type()) && EGRESS_WIDENED.equals(condition.reason());
    }

    /** A ready sandbox held by the NetworkPolicy alone: its owner hears of it once, when it starts. */
    static boolean weakerThanAsked(SandboxCondition condition) {
        return TYPE.equals(condition.type()) && NETWORK_POLICY_ONLY.equals(condition.reason());
    }
}
