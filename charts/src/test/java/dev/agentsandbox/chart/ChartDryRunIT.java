package dev.agentsandbox.chart;

import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.ControlPlaneExtension;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The Helm chart, rendered by Helm (helm-java, offline), is accepted object by object by a real API server:
 * server-side apply with {@code dryRun=All}, so admission and validation run and nothing is stored. The other tests
 * of this module check what the chart renders; this one checks that Kubernetes takes it.
 */
@ExtendWith(ControlPlaneExtension.class)
class ChartDryRunIT {

    private static KubernetesClient client;

    @BeforeAll
    static void prepare(KubernetesClient kubernetes) {
        client = kubernetes;
        ClusterFixtures.installCrd(client);
        installMonitoringCrd("ServiceMonitor", "servicemonitors");
        installMonitoringCrd("PrometheusRule", "prometheusrules");
        installAdminNetworkPolicyCrd();
    }

    @ParameterizedTest(name = "values: {0}")
    @ValueSource(strings = {"(defaults)", "src/test/resources/all-optional-parts-values.yaml"})
    void everyRenderedObjectPassesAServerSideDryRun(String valuesFile) {
        List<GenericKubernetesResource> objects = ClusterFixtures.parseManifests(
                RenderedChart.template(Map.of(), valuesFile.startsWith("(") ? null : Path.of(valuesFile)));
        assertThat(objects).as("rendered objects").isNotEmpty();
        objects.stream().map(o -> o.getMetadata().getNamespace()).filter(Objects::nonNull).distinct()
                .forEach(ChartDryRunIT::ensureNamespace);
        ensureNamespace(RenderedChart.NAMESPACE);

        List<String> refused = new ArrayList<>();
        for (GenericKubernetesResource object : objects) {
            String namespace = object.getMetadata().getNamespace() == null ? RenderedChart.NAMESPACE
                    : object.getMetadata().getNamespace();
            try {
                client.resource(object).inNamespace(namespace).dryRun().fieldManager("helm").forceConflicts()
                        .serverSideApply();
            } catch (KubernetesClientException e) {
                refused.add(object.getKind() + "/" + object.getMetadata().getName() + ": " + e.getMessage());
            }
        }
        assertThat(refused).as("objects the API server refused").isEmpty();
    }

    private static void ensureNamespace(String name) {
        client.resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
                .fieldManager(ClusterFixtures.TEST_FIELD_MANAGER).serverSideApply();
    }

    /**
     * The chart's optional sandbox egress floor is judged by the real AdminNetworkPolicy schema (with its CEL rules),
     * not a schema-less stand-in: the API server refuses a floor the schema does not allow.
     */
    @Test
    void theSandboxEgressFloorIsValidatedByTheAdminNetworkPolicySchema() {
        List<GenericKubernetesResource> floor = ClusterFixtures.parseManifests(
                RenderedChart.template(Map.of("sandboxEgressFloor.enabled", "true"), null)).stream()
                .filter(o -> "AdminNetworkPolicy".equals(o.getKind())).toList();
        assertThat(floor).hasSize(1);
        GenericKubernetesResource policy = floor.get(0);
        client.resource(policy).dryRun().fieldManager("helm").forceConflicts().serverSideApply();

        @SuppressWarnings("unchecked")
        var spec = (Map<String, Object>) policy.getAdditionalProperties().get("spec");
        spec.put("priority", 5000);
        assertThat(catchThrowable(() -> client.resource(policy).dryRun()
                .fieldManager("helm").forceConflicts().serverSideApply()))
                .isInstanceOf(KubernetesClientException.class).hasMessageContaining("priority");
    }

    private static void installAdminNetworkPolicyCrd() {
        CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions()
                .load(ChartDryRunIT.class.getResourceAsStream("/network-policy-api/adminnetworkpolicies-v0.1.8.yaml"))
                .item();
        crd.getMetadata().setCreationTimestamp(null);
        client.resource(crd).fieldManager(ClusterFixtures.TEST_FIELD_MANAGER).forceConflicts().serverSideApply();
        client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
                .waitUntilCondition(ClusterFixtures::established, 60, TimeUnit.SECONDS);
    }

    /**
     * A Prometheus Operator kind, schema-less: the chart's optional ServiceMonitor and PrometheusRule need the kinds.
     */
    private static void installMonitoringCrd(String kind, String plural) {
        CustomResourceDefinition crd = new CustomResourceDefinitionBuilder()
                .withNewMetadata().withName(plural + ".monitoring.coreos.com").endMetadata()
                .withNewSpec().withGroup("monitoring.coreos.com").withScope("Namespaced")
                .withNewNames().withKind(kind).withPlural(plural)
                .withSingular(kind.toLowerCase(java.util.Locale.ROOT)).endNames()
                .addNewVersion().withName("v1").withServed(true).withStorage(true)
                .withNewSchema().withNewOpenAPIV3Schema().withType("object")
                .withXKubernetesPreserveUnknownFields(true).endOpenAPIV3Schema().endSchema()
                .endVersion().endSpec().build();
        client.resource(crd).fieldManager(ClusterFixtures.TEST_FIELD_MANAGER).forceConflicts().serverSideApply();
        client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
                .waitUntilCondition(ClusterFixtures::established, 60, TimeUnit.SECONDS);
    }
}
