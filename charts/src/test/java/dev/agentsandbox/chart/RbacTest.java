package dev.agentsandbox.chart;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RbacTest {

    private static final Set<String> READ = Set.of("get", "list", "watch");
    private static final Set<String> MANAGE = Set.of("create", "get", "list", "watch", "patch", "update", "delete");

    static Stream<RenderedChart> bothScopes() {
        return Stream.of(RenderedChart.withDefaults(), RenderedChart.withValuesFile(RenderedChart.ALL_OPTIONAL_PARTS));
    }

    @ParameterizedTest
    @MethodSource("bothScopes")
    void noRuleUsesAWildcard(RenderedChart chart) {
        assertThat(allRules(chart)).isNotEmpty().allSatisfy(rule -> {
            assertThat(rule.getApiGroups()).doesNotContain("*");
            assertThat(rule.getResources()).isNotEmpty().noneMatch(r -> r.contains("*"));
            assertThat(rule.getVerbs()).isNotEmpty().doesNotContain("*");
            assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
            assertThat(rule.getResourceNames()).isNullOrEmpty();
        });
    }

    @ParameterizedTest
    @MethodSource("bothScopes")
    void secretsAreReadOnly(RenderedChart chart) {
        List<PolicyRule> secretRules = allRules(chart).stream()
                .filter(rule -> rule.getApiGroups().contains("") && rule.getResources().contains("secrets"))
                .toList();

        assertThat(secretRules).isNotEmpty()
                .allSatisfy(rule -> assertThat(rule.getVerbs()).containsExactlyInAnyOrderElementsOf(READ));
    }

    @ParameterizedTest
    @MethodSource("bothScopes")
    void leaderElectionLeasesAreGrantedInTheReleaseNamespaceOnly(RenderedChart chart) {
        Role leases = chart.named(Role.class, RenderedChart.RELEASE + "-leader-election");

        assertThat(leases.getMetadata().getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
        assertThat(leases.getRules()).singleElement().satisfies(rule -> {
            assertThat(rule.getApiGroups()).containsExactly("coordination.k8s.io");
            assertThat(rule.getResources()).containsExactly("leases");
            assertThat(rule.getVerbs()).containsExactlyInAnyOrder("get", "create", "update", "patch");
        });
        assertBoundToOperator(chart.named(RoleBinding.class, RenderedChart.RELEASE + "-leader-election").getSubjects());
        assertThat(chart.all(ClusterRole.class)).flatMap(ClusterRole::getRules)
                .noneMatch(rule -> rule.getResources().contains("leases"));
    }

    @Test
    void watchingAllNamespacesGrantsTheOperatorsNeedsInAClusterRole() {
        RenderedChart chart = RenderedChart.withDefaults();
        ClusterRole sandboxes = chart.named(ClusterRole.class, RenderedChart.RELEASE + "-sandboxes");

        assertOperatorNeeds(sandboxes.getRules());
        assertBoundToOperator(
                chart.named(ClusterRoleBinding.class, RenderedChart.RELEASE + "-sandboxes").getSubjects());
        assertThat(chart.all(Role.class)).extracting(r -> r.getMetadata().getName())
                .containsExactly(RenderedChart.RELEASE + "-leader-election");
        assertThat(chart.all(RoleBinding.class)).extracting(b -> b.getMetadata().getName())
                .containsExactly(RenderedChart.RELEASE + "-leader-election");
    }

    @Test
    void watchingANamespaceListGrantsRolesInEachListedNamespaceOnly() {
        RenderedChart chart = RenderedChart.withValuesFile(RenderedChart.ALL_OPTIONAL_PARTS);
        List<Role> sandboxRoles = chart.all(Role.class).stream()
                .filter(r -> r.getMetadata().getName().equals(RenderedChart.RELEASE + "-sandboxes"))
                .toList();

        assertThat(sandboxRoles).extracting(r -> r.getMetadata().getNamespace())
                .containsExactlyInAnyOrder("team-a", "team-b");
        sandboxRoles.forEach(role -> assertOperatorNeeds(role.getRules()));
        assertThat(chart.all(RoleBinding.class))
                .filteredOn(b -> b.getMetadata().getName().equals(RenderedChart.RELEASE + "-sandboxes"))
                .extracting(b -> b.getMetadata().getNamespace())
                .containsExactlyInAnyOrder("team-a", "team-b");
        // Only what the operator watches cluster-wide stays in a ClusterRole: RuntimeClasses and Services.
        assertThat(chart.all(ClusterRole.class)).singleElement()
                .satisfies(role -> assertThat(role.getRules()).flatMap(PolicyRule::getResources)
                        .containsExactlyInAnyOrder("runtimeclasses", "services"));
    }

    /**
     * The operator's Service informer watches every namespace (a sandbox's Model Runner may live outside the watched
     * ones) and its RuntimeClass informer the cluster: both need a ClusterRole, whatever watchNamespaces says.
     */
    @ParameterizedTest
    @MethodSource("bothScopes")
    void servicesAndRuntimeClassesAreReadableClusterWide(RenderedChart chart) {
        ClusterRole references = chart.named(ClusterRole.class, RenderedChart.RELEASE + "-references");

        assertThat(references.getRules()).hasSize(2);
        assertGrantsExactly(references.getRules(), "", "services", READ);
        assertGrantsExactly(references.getRules(), "node.k8s.io", "runtimeclasses", READ);
        assertBoundToOperator(
                chart.named(ClusterRoleBinding.class, RenderedChart.RELEASE + "-references").getSubjects());
    }

    private static void assertOperatorNeeds(List<PolicyRule> rules) {
        // delete: shutdownPolicy Delete makes the operator delete the expired AgentSandbox itself.
        assertGrants(rules, "agentsandbox.dev", "agentsandboxes",
                Set.of("get", "list", "watch", "patch", "update", "delete"));
        assertGrants(rules, "agentsandbox.dev", "agentsandboxes/status", Set.of("get", "patch", "update"));
        assertGrants(rules, "agentsandbox.dev", "agentsandboxes/finalizers", Set.of("patch", "update"));
        // delete on pods: a changed pod spec replaces the pod; Paused and expired sandboxes have none.
        for (String resource : List.of("pods", "configmaps", "persistentvolumeclaims")) {
            assertGrants(rules, "", resource, MANAGE);
        }
        assertGrants(rules, "networking.k8s.io", "networkpolicies", MANAGE);
        assertGrants(rules, "", "secrets", READ);
        assertGrants(rules, "", "events", Set.of("create", "patch"));
        // spec.lifecycle.idleCpuThreshold: one list of the operator's PodMetrics per namespace, never a read per pod.
        assertGrantsExactly(rules, "metrics.k8s.io", "pods", Set.of("list"));
    }

    private static void assertGrants(List<PolicyRule> rules, String group, String resource, Set<String> verbs) {
        Set<String> granted = new HashSet<>();
        rules.stream()
                .filter(rule -> rule.getApiGroups().contains(group) && rule.getResources().contains(resource))
                .forEach(rule -> granted.addAll(rule.getVerbs()));
        assertThat(granted).as("verbs on %s/%s", group, resource).containsAll(verbs);
    }

    private static void assertGrantsExactly(List<PolicyRule> rules, String group, String resource, Set<String> verbs) {
        assertThat(rules).filteredOn(rule -> rule.getApiGroups().contains(group) && rule.getResources().contains(resource))
                .as("rules on %s/%s", group, resource).singleElement()
                .satisfies(rule -> assertThat(rule.getVerbs()).containsExactlyInAnyOrderElementsOf(verbs));
    }

    private static void assertBoundToOperator(List<Subject> subjects) {
        assertThat(subjects).singleElement().satisfies(subject -> {
            assertThat(subject.getKind()).isEqualTo("ServiceAccount");
            assertThat(subject.getName()).isEqualTo(RenderedChart.RELEASE);
            assertThat(subject.getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
        });
    }

    private static List<PolicyRule> allRules(RenderedChart chart) {
        return Stream.concat(chart.all(ClusterRole.class).stream().flatMap(r -> r.getRules().stream()),
                chart.all(Role.class).stream().flatMap(r -> r.getRules().stream())).toList();
    }
}
