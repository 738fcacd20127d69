package dev.agentsandbox.operator.it;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.ControlPlaneExtension;
import dev.agentsandbox.operator.testing.Examples;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.util.List;

import static dev.agentsandbox.operator.testing.ClusterFixtures.TEST_FIELD_MANAGER;
import static org.assertj.core.api.Assertions.assertThat;

/** The committed CRD installs on a real API server, and every example AgentSandbox is accepted by it. */
@ExtendWith(ControlPlaneExtension.class)
class CrdIT {

    private static CustomResourceDefinition installed;

    @BeforeAll
    static void installCrd(KubernetesClient client) {
        installed = ClusterFixtures.installCrd(client);
    }

    @Test
    void committedCrdIsEstablishedWithStructuralSchemaAndCompiledRules() {
        assertThat(ClusterFixtures.established(installed)).isTrue();
        // A CEL rule that does not compile or exceeds the cost budget would make the API server refuse the CRD;
        // a non-structural schema shows as the NonStructuralSchema condition.
        assertThat(installed.getStatus().getConditions())
                .noneMatch(c -> "NonStructuralSchema".equals(c.getType()) && "True".equals(c.getStatus()));
        assertThat(installed.getStatus().getAcceptedNames().getKind()).isEqualTo(AgentSandbox.KIND);
        assertThat(installed.getStatus().getAcceptedNames().getShortNames()).containsExactly("asb");
    }

    @Test
    void everyExampleAgentSandboxIsAccepted(KubernetesClient client) {
        String namespace = ClusterFixtures.freshNamespace(client, "examples");
        int sandboxes = 0;
        for (Path file : Examples.files()) {
            for (GenericKubernetesResource manifest : ClusterFixtures.readManifests(file)) {
                if (!AgentSandbox.KIND.equals(manifest.getKind())) {
                    continue;
                }
                manifest.getMetadata().setNamespace(namespace);
                // A real create: defaults are applied and every rule, including CEL, runs; then it is readable.
                client.resource(manifest).fieldManager(TEST_FIELD_MANAGER).serverSideApply();
                GenericKubernetesResource stored = client.genericKubernetesResources(
                        AgentSandbox.GROUP + "/" + AgentSandbox.VERSION, AgentSandbox.KIND).inNamespace(namespace)
                        .withName(manifest.getMetadata().getName()).get();
                assertThat(stored).as("%s: %s", file.getFileName(), manifest.getMetadata().getName()).isNotNull();
                sandboxes++;
            }
        }
        assertThat(sandboxes).as("AgentSandboxes in examples/").isPositive();
    }
}
