package dev.agentsandbox.operator;

import dev.agentsandbox.operator.reconciler.AgentSandboxReconciler;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.Operator;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** The operator starts against a (mock) API server, registers its controller and serves health and metrics. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class OperatorStartupTest {

    @Inject
    Operator operator;

    @Test
    void registersTheAgentSandboxController() {
        assertThat(operator.getRegisteredControllers())
                .anySatisfy(c -> assertThat(c.getConfiguration().getName()).isEqualTo(AgentSandboxReconciler.NAME));
    }

    /**
     * The operator's own client (the one its informers parse watch events with) keeps who wrote an object and when,
     * without the field sets: the bulk of a cached object ({@code config/ManagedFieldSetsDropped}).
     */
    @Test
    void theOperatorsClientReadsManagedFieldsWithoutTheirFieldSets() {
        String json = """
                {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "n", "managedFields": [
                  {"manager": "agentsandbox", "operation": "Apply", "apiVersion": "v1", "fieldsType": "FieldsV1",
                   "time": "2026-12-06T10:00:00Z",
                   "fieldsV1": {"f:spec": {"f:containers": {"k:{\\"name\\":\\"agent\\"}": {".": {}}}}}},
                  {"manager": "kubelet", "operation": "Update", "subresource": "status",
                   "time": "2026-12-06T10:00:05Z", "fieldsV1": {"f:status": {"f:phase": {}}}}]}}
                """;

        Pod pod = operator.getConfigurationService().getKubernetesClient().getKubernetesSerialization()
                .unmarshal(json, Pod.class);

        assertThat(pod.getMetadata().getManagedFields()).extracting(ManagedFieldsEntry::getManager,
                ManagedFieldsEntry::getOperation, ManagedFieldsEntry::getTime).containsExactly(
                tuple("agentsandbox", "Apply", "2026-12-06T10:00:00Z"),
                tuple("kubelet", "Update", "2026-12-06T10:00:05Z"));
        assertThat(pod.getMetadata().getManagedFields()).allSatisfy(entry -> {
            assertThat(entry.getFieldsV1()).isNull();
            assertThat(entry.getAdditionalProperties()).isEmpty();
        });
    }

    @Test
    void servesLivenessAndReadiness() {
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void servesPrometheusMetrics() {
        given().when().get("/q/metrics").then().statusCode(200).body(containsString("jvm_memory_used_bytes"));
    }
}
