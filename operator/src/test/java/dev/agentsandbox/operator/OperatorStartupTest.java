package dev.agentsandbox.operator;

import dev.agentsandbox.operator.reconciler.AgentSandboxReconciler;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.processing.Controller;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

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
     * One informer of NetworkPolicies for sandboxes, without a label selector: every policy of the namespaces (any
     * may widen a sandbox's egress), the sandboxes' own among them, which their dependent reads from it. A second,
     * labelled informer for the dependent would keep a second copy of each sandbox's policy.
     */
    @Test
    void watchesNetworkPoliciesOnceForSandboxes() {
        Controller<?> sandboxes = (Controller<?>) operator.getRegisteredController(AgentSandboxReconciler.NAME)
                .orElseThrow();

        assertThat(sandboxes.getEventSourceManager().getEventSourcesFor(NetworkPolicy.class)).singleElement()
                .satisfies(source -> assertThat(((InformerEventSource<?, ?>) source).configuration()
                        .getInformerConfig().getLabelSelector()).isNull());
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

    /**
     * Equal string values of the objects the operator's client parses are one instance, whether read from a response
     * (a streaming parser) or from a watch event (read as a tree first): {@code config/RepeatedStringsShared}.
     */
    @Test
    void theOperatorsClientSharesEqualStringsOfTheObjectsItParses() {
        KubernetesSerialization json = operatorsSerialization();
        Pod first = json.unmarshal(pod("first", ""), Pod.class);
        Pod second = json.unmarshal(pod("second", ""), Pod.class);
        Pod fromATree = json.convertValue(json.unmarshal(pod("third", ""), JsonNode.class), Pod.class);

        assertThat(first.getMetadata().getName()).isEqualTo("first");
        assertThat(List.of(second, fromATree)).allSatisfy(pod -> {
            Container agent = pod.getSpec().getContainers().get(0);
            assertThat(agent.getImage()).isSameAs(first.getSpec().getContainers().get(0).getImage());
            assertThat(agent.getArgs().get(0)).isSameAs(first.getSpec().getContainers().get(0).getArgs().get(0));
            assertThat(pod.getMetadata().getLabels().get("app")).isSameAs(first.getMetadata().getLabels().get("app"));
            assertThat(pod.getMetadata().getCreationTimestamp())
                    .isSameAs(first.getMetadata().getCreationTimestamp());
        });
        assertThat(fromATree.getSpec().getContainers().get(0).getPorts().get(0).getContainerPort()).isEqualTo(8080);
    }

    /**
     * The model objects the operator's client parses share one empty map of additional properties
     * ({@code config/EmptyAdditionalPropertiesShared}); a field the model does not know keeps its own map and
     * round-trips; a parsed object still equals one built to the same fields, and a builder started from it can add
     * properties.
     */
    @Test
    void theOperatorsClientSharesOneEmptyMapOfAdditionalProperties() {
        KubernetesSerialization json = operatorsSerialization();
        Pod first = json.unmarshal(pod("first", ""), Pod.class);
        Pod second = json.unmarshal(pod("second", "\"aFieldOfANewerRelease\": {\"on\": true}"), Pod.class);

        Container agent = first.getSpec().getContainers().get(0);
        assertThat(agent.getAdditionalProperties()).isEmpty();
        assertThat(List.of(first.getMetadata().getAdditionalProperties(), first.getSpec().getAdditionalProperties(),
                agent.getPorts().get(0).getAdditionalProperties(),
                second.getSpec().getContainers().get(0).getAdditionalProperties()))
                .allSatisfy(map -> assertThat(map).isSameAs(agent.getAdditionalProperties()));

        assertThat(second.getSpec().getAdditionalProperties())
                .containsEntry("aFieldOfANewerRelease", Map.of("on", true));
        second.getSpec().setAdditionalProperty("settable", "still");
        assertThat(json.asJson(second)).contains("\"aFieldOfANewerRelease\":{\"on\":true}");

        Container built = new ContainerBuilder().withName("agent").withImage("registry.example/agent:1")
                .withArgs("--serve").withPorts(new ContainerPortBuilder().withName("http").withContainerPort(8080)
                        .withProtocol("TCP").build()).build();
        assertThat(agent).isEqualTo(built).hasSameHashCodeAs(built);
        assertThat(new ContainerBuilder(agent).addToAdditionalProperties("added", 1).build().getAdditionalProperties())
                .containsEntry("added", 1);
    }

    private KubernetesSerialization operatorsSerialization() {
        return operator.getConfigurationService().getKubernetesClient().getKubernetesSerialization();
    }

    /**
     * A Pod whose values are the same whatever its name (each parsed anew, as the API server sends each object);
     * {@code extraSpecField}: one more field of its spec, or none.
     */
    private static String pod(String name, String extraSpecField) {
        return """
                {"apiVersion": "v1", "kind": "Pod",
                 "metadata": {"name": "%s", "namespace": "n", "labels": {"app": "agent"},
                              "creationTimestamp": "2026-12-06T10:00:00Z"},
                 "spec": {%s"containers": [{"name": "agent", "image": "registry.example/agent:1", "args": ["--serve"],
                          "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]}]}}
                """.formatted(name, extraSpecField.isEmpty() ? "" : extraSpecField + ", ");
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
