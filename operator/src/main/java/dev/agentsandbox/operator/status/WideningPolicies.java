package dev.agentsandbox.operator.status;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Which other NetworkPolicies widen a sandbox's egress. NetworkPolicies add up: a pod selected by several may send
 * whatever any of them allows, so a policy that selects the sandbox's pod and has an egress rule opens a way out
 * besides the proxy's (under gVisor, where the NetworkPolicy is the only wall, around the proxy). A policy whose
 * egress list is empty allows nothing and is not one of them; the operator's own policy is not either.
 */
public final class WideningPolicies {

    private WideningPolicies() {
    }

    /** The names, sorted, of the policies among {@code policies} that select {@code podLabels} and allow egress. */
    public static List<String> among(Collection<NetworkPolicy> policies, String ownPolicyName,
                                     Map<String, String> podLabels) {
        return policies.stream()
                .filter(policy -> !ownPolicyName.equals(policy.getMetadata().getName()))
                .filter(policy -> policy.getSpec() != null && allowsEgress(policy.getSpec()))
                .filter(policy -> selects(policy.getSpec().getPodSelector(), podLabels))
                .map(policy -> policy.getMetadata().getName())
                .sorted()
                .toList();
    }

    /**
     * Egress rules count when egress is among the policy's types: listed in {@code policyTypes}, or, with none
     * listed, implied by the rules themselves (the API's own defaulting).
     */
    static boolean allowsEgress(NetworkPolicySpec spec) {
        boolean rules = spec.getEgress() != null && !spec.getEgress().isEmpty();
        List<String> types = spec.getPolicyTypes();
        return rules && (types == null || types.isEmpty() || types.contains("Egress"));
    }

    /** A NetworkPolicy's podSelector: an empty selector selects every pod of the namespace. */
    static boolean selects(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return true;
        }
        if (selector.getMatchLabels() != null && !selector.getMatchLabels().entrySet().stream()
                .allMatch(wanted -> wanted.getValue().equals(labels.get(wanted.getKey())))) {
            return false;
        }
        return selector.getMatchExpressions() == null
                || selector.getMatchExpressions().stream().allMatch(expression -> matches(expression, labels));
    }

    private static boolean matches(LabelSelectorRequirement expression, Map<String, String> labels) {
        String value = labels.get(expression.getKey());
        List<String> values = expression.getValues() == null ? List.of() : expression.getValues();
        return switch (expression.getOperator()) {
            case "In" -> value != null && values.contains(value);
            case "NotIn" -> value == null || !values.contains(value);
            case "Exists" -> value != null;
            case "DoesNotExist" -> value == null;
            default -> true; // an operator the API server would have refused: assume it selects (report, not hide)
        };
    }
}
