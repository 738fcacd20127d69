package dev.agentsandbox.operator.reconciler;

import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxStatus;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/** Shared steps of the operator tests against the mock API server. */
final class OperatorTestSupport {

    /** A hang guard, not a timing assertion: this machine is slow and shared. */
    static final Duration PATIENCE = Duration.ofSeconds(60);

    private final KubernetesClient client;
    private final String namespace;

    OperatorTestSupport(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    static ConditionFactory eventually() {
        return Awaitility.await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200));
    }

    /** A sandbox of {@link TestSandboxes} moved to this test's namespace, as a user would create it. */
    AgentSandbox sandbox(AgentSandbox template) {
        template.setMetadata(new ObjectMetaBuilder().withName(template.getMetadata().getName())
                .withNamespace(namespace).build());
        return template;
    }

    AgentSandbox create(AgentSandbox sandbox) {
        return client.resource(sandbox).create();
    }

    AgentSandbox get(String name) {
        return client.resources(AgentSandbox.class).inNamespace(namespace).withName(name).get();
    }

    /** Edits the spec as a user would; retried on conflicts with the operator's status patches. */
    void edit(String name, UnaryOperator<AgentSandbox> change) {
        eventually().until(() -> {
            try {
                client.resources(AgentSandbox.class).inNamespace(namespace).withName(name).edit(change);
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                    return false;
                }
                throw e;
            }
        });
    }

    void secret(String name, String key, String value) {
        client.resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withStringData(Map.of(key, value)).build()).create();
    }

    void runnerService(String name, String runnerNamespace) {
        client.resource(new ServiceBuilder().withNewMetadata().withName(name).withNamespace(runnerNamespace)
                .endMetadata().withNewSpec().addNewPort().withPort(80).endPort().endSpec().build()).create();
    }

    Optional<Pod> pod(String sandbox) {
        return Optional.ofNullable(client.pods().inNamespace(namespace).withName(sandbox + "-sandbox").get());
    }

    Optional<ConfigMap> configMap(String sandbox) {
        return Optional.ofNullable(client.configMaps().inNamespace(namespace).withName(sandbox + "-sidecar").get());
    }

    Optional<NetworkPolicy> networkPolicy(String sandbox) {
        return Optional.ofNullable(client.network().v1().networkPolicies().inNamespace(namespace)
                .withName(sandbox + "-egress").get());
    }

    Optional<PersistentVolumeClaim> claim(String sandbox) {
        return Optional.ofNullable(client.persistentVolumeClaims().inNamespace(namespace)
                .withName(sandbox + "-workspace").get());
    }

    List<Event> events() {
        return client.v1().events().inNamespace(namespace).list().getItems();
    }

    Optional<SandboxCondition> condition(String sandbox, String type) {
        AgentSandbox current = get(sandbox);
        return Optional.ofNullable(current).map(AgentSandbox::getStatus).map(AgentSandboxStatus::getConditions)
                .flatMap(conditions -> conditions.stream().filter(c -> c.type().equals(type)).findFirst());
    }

    /** Waits until the condition has the given status and reason, and returns it. */
    SandboxCondition awaitCondition(String sandbox, String type, String status, String reason) {
        eventually().untilAsserted(() -> assertThat(condition(sandbox, type)).hasValueSatisfying(c -> {
            assertThat(c.status()).isEqualTo(status);
            assertThat(c.reason()).isEqualTo(reason);
        }));
        return condition(sandbox, type).orElseThrow();
    }

    static void assertOwnedBy(HasMetadata child, AgentSandbox owner) {
        assertThat(child.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> {
            assertThat(ref.getKind()).isEqualTo("AgentSandbox");
            assertThat(ref.getName()).isEqualTo(owner.getMetadata().getName());
            assertThat(ref.getUid()).isEqualTo(owner.getMetadata().getUid());
        });
        assertThat(child.getMetadata().getLabels())
                .containsEntry("app.kubernetes.io/managed-by", "agentsandbox-operator")
                .containsEntry("agentsandbox.dev/sandbox", owner.getMetadata().getName());
    }

    /** What the kubelet would report: the pod is running and ready. */
    void markPodReady(String sandbox) {
        client.pods().inNamespace(namespace).withName(sandbox + "-sandbox").editStatus(pod -> {
            pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running")
                    .withPodIP("10.1.2.3")
                    .addNewCondition().withType("Ready").withStatus("True").endCondition().build());
            return pod;
        });
    }
}
