package dev.agentsandbox.operator.node;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import dev.agentsandbox.operator.dependent.SandboxObjects;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.EmbeddedNode;
import dev.agentsandbox.operator.testing.Examples;
import dev.agentsandbox.operator.testing.NodeExtension;
import dev.agentsandbox.operator.testing.RunLocalChart;
import dev.agentsandbox.operator.testing.SandboxOnNode;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.readiness.Readiness;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;

import static dev.agentsandbox.operator.testing.ClusterFixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code hack/run-local.sh} promises on the real node: the chart with its run values
 * (hack/run-local-node-values.yaml), then {@code examples/reference.yaml} as {@link Examples#localize} makes it
 * runnable here, gives a sandbox that is Ready on the node with every container running, and a {@code bash} in its
 * agent container.
 */
@ExtendWith(NodeExtension.class)
class ReferenceOnNodeIT {

    private static final Duration SANDBOX_READY = Duration.ofSeconds(300);

    private static KubernetesClient client;
    private static EmbeddedNode node;
    private static String releaseNamespace;

    @BeforeAll
    static void installChart(KubernetesClient kubernetes, EmbeddedNode embeddedNode) {
        client = kubernetes;
        node = embeddedNode;
        releaseNamespace = RunLocalChart.install(client, node, "run-local");
    }

    @AfterAll
    static void uninstall() {
        RunLocalChart.uninstall(node, releaseNamespace);
    }

    @Test
    void theReferenceSandboxRunsReadyWithEveryContainerAndABashInItsAgent() {
        String namespace = ClusterFixtures.freshNamespace(client, "reference");
        List<GenericKubernetesResource> manifests = ClusterFixtures.readManifests(
                ClusterFixtures.repositoryFile("examples/reference.yaml")).stream()
                .map(m -> AgentSandbox.KIND.equals(m.getKind()) ? Examples.localize(client, m) : m).toList();
        List<AgentSandbox> sandboxes = Examples.apply(client, manifests, namespace, ClusterFixtures.TEST_FIELD_MANAGER,
                message -> { }, true);
        assertThat(sandboxes).hasSize(1);
        String name = sandboxes.get(0).getMetadata().getName();
        String pod = SandboxObjects.podName(name);

        try {
            eventually(SANDBOX_READY).untilAsserted(() -> {
                AgentSandbox sandbox = client.resources(AgentSandbox.class).inNamespace(namespace).withName(name)
                        .get();
                assertThat(sandbox.getStatus()).isNotNull();
                assertThat(sandbox.getStatus().getPhase()).isEqualTo(SandboxPhase.READY);
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("the sandbox is not Ready: " + diagnosis(namespace, name), e);
        }

        Pod running = client.pods().inNamespace(namespace).withName(pod).get();
        assertThat(running.getSpec().getNodeName()).isEqualTo(EmbeddedNode.NODE_NAME);
        assertThat(Readiness.isPodReady(running)).isTrue();
        assertThat(running.getStatus().getContainerStatuses()).isNotEmpty().allSatisfy(ReferenceOnNodeIT::runsReady);
        // The sidecars are native sidecars: init containers with restartPolicy Always, running beside the agent.
        List<String> sidecars = running.getSpec().getInitContainers().stream()
                .filter(c -> "Always".equals(c.getRestartPolicy())).map(c -> c.getName()).toList();
        assertThat(sidecars).isNotEmpty();
        assertThat(running.getStatus().getInitContainerStatuses()).filteredOn(s -> sidecars.contains(s.getName()))
                .hasSize(sidecars.size()).allSatisfy(ReferenceOnNodeIT::runsReady);

        String inside = node.kubectl("exec", "-n", namespace, pod, "-c", "agent", "--", "bash", "-c",
                "echo shell-ok; test -w /workspace && echo workspace-writable");
        assertThat(inside).contains("shell-ok").contains("workspace-writable");
    }

    private static void runsReady(ContainerStatus status) {
        SandboxOnNode.runsReady(status);
    }

    private static String diagnosis(String namespace, String name) {
        return SandboxOnNode.diagnosis(node, namespace, name, releaseNamespace);
    }
}
