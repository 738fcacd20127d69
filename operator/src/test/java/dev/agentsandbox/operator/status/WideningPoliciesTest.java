package dev.agentsandbox.operator.status;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which NetworkPolicies of a namespace open a sandbox's pod to more egress than the operator's own. */
class WideningPoliciesTest {

    private static final Map<String, String> POD = Map.of("app.kubernetes.io/managed-by", "agentsandbox-operator",
            "agentsandbox.dev/sandbox", "a");

    private static NetworkPolicyBuilder policy(String name) {
        return new NetworkPolicyBuilder().withNewMetadata().withName(name).withNamespace("team-a").endMetadata()
                .withNewSpec().withPodSelector(new LabelSelectorBuilder().build()).endSpec();
    }

    private static NetworkPolicy allowingEgress(String name, LabelSelectorBuilder selector, String... types) {
        return policy(name).editSpec().withPodSelector(selector.build()).withPolicyTypes(types)
                .withEgress(new NetworkPolicyEgressRuleBuilder().build()).endSpec().build();
    }

    private static List<String> widening(NetworkPolicy... policies) {
        return WideningPolicies.among(List.of(policies), "a-egress", POD);
    }

    @Test
    void aPolicyThatSelectsThePodAndHasAnEgressRuleWidens() {
        assertThat(widening(allowingEgress("all-pods", new LabelSelectorBuilder(), "Egress"))).containsExactly("all-pods");
        assertThat(widening(allowingEgress("by-label", new LabelSelectorBuilder()
                .withMatchLabels(Map.of("agentsandbox.dev/sandbox", "a")), "Ingress", "Egress")))
                .containsExactly("by-label");
        assertThat(widening(allowingEgress("types-implied", new LabelSelectorBuilder())))
                .as("no policyTypes: egress rules imply Egress").containsExactly("types-implied");
        assertThat(widening(allowingEgress("expression", new LabelSelectorBuilder().withMatchExpressions(
                new LabelSelectorRequirementBuilder().withKey("agentsandbox.dev/sandbox").withOperator("Exists")
                        .build())))).containsExactly("expression");
    }

    @Test
    void theOperatorsOwnOthersThatSelectOtherPodsAndOnesWithoutEgressRulesDoNot() {
        assertThat(widening(
                allowingEgress("a-egress", new LabelSelectorBuilder(), "Egress"),
                allowingEgress("b-egress", new LabelSelectorBuilder()
                        .withMatchLabels(Map.of("agentsandbox.dev/sandbox", "b")), "Egress"),
                allowingEgress("web", new LabelSelectorBuilder().withMatchExpressions(
                        new LabelSelectorRequirementBuilder().withKey("agentsandbox.dev/sandbox")
                                .withOperator("DoesNotExist").build()), "Egress"),
                allowingEgress("ingress-only", new LabelSelectorBuilder(), "Ingress"),
                policy("deny-all-egress").editSpec().withPolicyTypes("Egress").endSpec().build(),
                allowingEgress("not-in", new LabelSelectorBuilder().withMatchExpressions(
                        new LabelSelectorRequirementBuilder().withKey("agentsandbox.dev/sandbox")
                                .withOperator("NotIn").withValues("a").build()), "Egress")))
                .isEmpty();
    }

    @Test
    void theNamesAreSorted() {
        assertThat(widening(allowingEgress("zeta", new LabelSelectorBuilder(), "Egress"),
                allowingEgress("alpha", new LabelSelectorBuilder(), "Egress"))).containsExactly("alpha", "zeta");
    }
}
