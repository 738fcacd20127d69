package dev.agentsandbox.operator.it;

import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxTemplate;
import dev.agentsandbox.operator.api.v1alpha1.CredentialSpec;
import dev.agentsandbox.operator.api.v1alpha1.CredentialPreset;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;
import dev.agentsandbox.operator.status.ConditionTypes;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.ControlPlaneExtension;
import dev.agentsandbox.operator.testing.EmbeddedControlPlane;
import dev.agentsandbox.operator.testing.OperatorProcess;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;

import static dev.agentsandbox.operator.it.Sandboxes.CONVERGENCE;
import static dev.agentsandbox.operator.testing.ClusterFixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code agentsandbox.watch-namespaces} with several namespaces: the Secrets of every one of them reach the caches
 * of both controllers, sandboxes' and pools' (each namespace's informer once emptied the others' Secrets out of a
 * store they shared).
 */
@ExtendWith(ControlPlaneExtension.class)
class WatchedNamespacesSecretsIT {

    @Test
    void sandboxesAndPoolsOfEveryWatchedNamespaceFindTheirSecrets(EmbeddedControlPlane plane) {
        assumeTrue(plane.isComplete(), plane.binaries().whyIncomplete());
        KubernetesClient client = plane.client();
        ClusterFixtures.prepareForOperator(client);
        List<String> namespaces = List.of(ClusterFixtures.freshNamespace(client, "watched-a"),
                ClusterFixtures.freshNamespace(client, "watched-b"), ClusterFixtures.freshNamespace(client, "watched-c"));
        for (String namespace : namespaces) {
            client.resource(new SecretBuilder().withMetadata(new ObjectMetaBuilder().withName("anthropic-key")
                    .withNamespace(namespace).build()).withStringData(Map.of("api-key", "test-not-a-real-key"))
                    .build()).create();
            AgentSandbox sandbox = TestSandboxes.minimal(namespace, "agent");
            sandbox.getSpec().setCredentials(List.of(anthropic()));
            Sandboxes.apply(client, sandbox);
            Pools.template(client, namespace, "warm", "registry.test/agent:1");
            client.resources(AgentSandboxTemplate.class).inNamespace(namespace).withName("warm").edit(template -> {
                template.getSpec().setCredentials(List.of(anthropic()));
                return template;
            });
            Pools.pool(client, namespace, "warm", "warm", 1);
        }

        // Started after the Secrets exist (not OperatorForClass): a shared store lost them in the informers' first
        // lists, which later watch events would not repeat.
        try (OperatorProcess operator = OperatorProcess.start(plane, "operator-watched-namespaces",
                Map.of("agentsandbox.watch-namespaces", String.join(",", namespaces)))) {
            eventually(CONVERGENCE).untilAsserted(() -> assertThat(namespaces).allSatisfy(namespace ->
                    assertThat(credentials(client, namespace)).as("%s in %s", ConditionTypes.CREDENTIALS_READY,
                                    namespace).isNotNull()
                            .satisfies(c -> assertThat(c.reason()).as(c.message()).isEqualTo("SecretsFound"))));
            // A pool checks its template's Secrets through its own controller's watch.
            eventually(CONVERGENCE).untilAsserted(() -> assertThat(namespaces).allSatisfy(namespace ->
                    assertThat(Pools.poolReady(client, namespace, "warm")).as("pool Ready in %s", namespace)
                            .hasValueSatisfying(c -> assertThat(c.reason()).as(c.message())
                                    .isIn("Warming", "PoolReady"))));
        }
    }

    private static CredentialSpec anthropic() {
        return TestSandboxes.preset("anthropic", CredentialPreset.ANTHROPIC, "anthropic-key", "api-key");
    }

    private static SandboxCondition credentials(KubernetesClient client, String namespace) {
        AgentSandbox sandbox = Sandboxes.sandbox(client, namespace, "agent").get();
        if (sandbox.getStatus() == null) {
            return null;
        }
        return sandbox.getStatus().getConditions().stream()
                .filter(c -> c.type().equals(ConditionTypes.CREDENTIALS_READY)).findFirst().orElse(null);
    }
}
