package dev.agentsandbox.chart;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.operator.dependent.SandboxObjects;
import dev.agentsandbox.sidecar.contract.ForbiddenRanges;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The optional cluster-scope floor under sandbox egress: an AdminNetworkPolicy judged before every NetworkPolicy,
 * so a policy that selects a sandbox pod and allows egress cannot take it past DNS, the Model Runners and public
 * 80/443. (ChartDryRunIT has the real API server validate it against the AdminNetworkPolicy CRD.)
 */
@SuppressWarnings("unchecked")
class SandboxEgressFloorTest {

    private static GenericKubernetesResource floor(RenderedChart chart) {
        List<?> floors = chart.ofKind("AdminNetworkPolicy");
        assertThat(floors).as("%s", chart).hasSize(1);
        return (GenericKubernetesResource) floors.get(0);
    }

    private static List<Map<String, Object>> rules(GenericKubernetesResource floor) {
        return floor.get("spec", "egress");
    }

    private static Map<String, Object> rule(GenericKubernetesResource floor, String name) {
        return rules(floor).stream().filter(r -> name.equals(r.get("name"))).findFirst().orElseThrow();
    }

    @Test
    void offByDefault() {
        assertThat(RenderedChart.withDefaults().ofKind("AdminNetworkPolicy")).isEmpty();
    }

    @Test
    void selectsSandboxPodsByTheLabelsTheOperatorPutsOnThem() {
        GenericKubernetesResource floor = floor(RenderedChart.withValuesFile(RenderedChart.ALL_OPTIONAL_PARTS));

        assertThat(floor.getApiVersion()).isEqualTo("policy.networking.k8s.io/v1alpha1");
        assertThat((Integer) floor.get("spec", "priority")).isEqualTo(42);
        Map<String, Object> namespaces = floor.get("spec", "subject", "pods", "namespaceSelector");
        assertThat(namespaces).as("every namespace").isEmpty();
        Map<String, String> labels = floor.get("spec", "subject", "pods", "podSelector", "matchLabels");
        assertThat(labels).containsExactly(Map.entry(SandboxObjects.MANAGED_BY_LABEL, SandboxObjects.MANAGED_BY));
        List<Map<String, Object>> expressions = floor.get("spec", "subject", "pods", "podSelector",
                "matchExpressions");
        assertThat(expressions).containsExactly(Map.of("key", SandboxObjects.SANDBOX_LABEL, "operator", "Exists"));
    }

    /** It only passes traffic on to the NetworkPolicies or denies it: an Allow would override the operator's own. */
    @Test
    void passesDnsRunnersAndPublicWebAndDeniesTheRestInThatOrder() {
        GenericKubernetesResource floor = floor(RenderedChart.withValuesFile(RenderedChart.ALL_OPTIONAL_PARTS));

        assertThat(rules(floor)).extracting(r -> r.get("name") + ":" + r.get("action")).containsExactly(
                "cluster-dns:Pass", "model-runners:Pass", "forbidden-ranges:Deny", "public-web:Pass",
                "everything-else:Deny");
        assertThat(rule(floor, "public-web").get("ports").toString()).contains("port=80").contains("port=443")
                .doesNotContain("UDP");
        List<Map<String, Object>> last = (List<Map<String, Object>>) rule(floor, "everything-else").get("to");
        assertThat(last).containsExactlyInAnyOrder(Map.of("namespaces", Map.of()),
                Map.of("networks", List.of("0.0.0.0/0", "::/0")));
    }

    /** The same ranges the operator's NetworkPolicy excepts from public addresses: one list, the contract's. */
    @Test
    void deniesTheContractsForbiddenRanges() {
        GenericKubernetesResource floor = floor(RenderedChart.withValuesFile(RenderedChart.ALL_OPTIONAL_PARTS));
        List<String> expected = new ArrayList<>(ForbiddenRanges.networkPolicyExcept(false));
        expected.addAll(ForbiddenRanges.networkPolicyExcept(true));

        List<Map<String, Object>> to = (List<Map<String, Object>>) rule(floor, "forbidden-ranges").get("to");
        assertThat(to).singleElement().satisfies(peer -> assertThat(peer.get("networks")).isEqualTo(expected));
    }

    @Test
    void passesTheListedRunnerNamespacesElseTheOperatorsDefault() {
        GenericKubernetesResource listed = floor(RenderedChart.withValuesFile(RenderedChart.ALL_OPTIONAL_PARTS));
        GenericKubernetesResource fallback = floor(RenderedChart.withValues(Map.of("sandboxEgressFloor.enabled", "true")));
        GenericKubernetesResource configured = floor(RenderedChart.withValues(Map.of("sandboxEgressFloor.enabled",
                "true", "operator.modelRunner.namespace", "models")));

        assertThat(runnerNamespaces(listed)).containsExactly("model-runner", "team-models");
        assertThat(runnerNamespaces(fallback)).containsExactly(RenderedChart.NAMESPACE);
        assertThat(runnerNamespaces(configured)).containsExactly("models");
    }

    @SuppressWarnings("unchecked")
    private static List<String> runnerNamespaces(GenericKubernetesResource floor) {
        List<Map<String, Object>> to = (List<Map<String, Object>>) rule(floor, "model-runners").get("to");
        Map<String, Object> namespaces = (Map<String, Object>) to.get(0).get("namespaces");
        List<Map<String, Object>> expressions = (List<Map<String, Object>>) namespaces.get("matchExpressions");
        assertThat(expressions).singleElement().satisfies(e -> assertThat(e).containsEntry("operator", "In"));
        return (List<String>) expressions.get(0).get("values");
    }
}
