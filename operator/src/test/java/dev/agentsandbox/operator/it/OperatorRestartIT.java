package dev.agentsandbox.operator.it;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import dev.agentsandbox.operator.dependent.SandboxObjects;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.ControlPlaneExtension;
import dev.agentsandbox.operator.testing.EmbeddedControlPlane;
import dev.agentsandbox.operator.testing.OperatorProcess;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.agentsandbox.operator.it.Sandboxes.CONVERGENCE;
import static dev.agentsandbox.operator.testing.ClusterFixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The operator crashes while it reconciles 20 sandboxes; its successor converges them without duplicates. */
@ExtendWith(ControlPlaneExtension.class)
class OperatorRestartIT {

    private static final int SANDBOXES = 20;
    private static final Logger LOG = Logger.getLogger(OperatorRestartIT.class);

    @Test
    void aCrashMidReconcileConvergesWithExactlyOnePodPerSandboxAndNoOrphans(EmbeddedControlPlane plane) {
        assumeTrue(plane.isComplete(), plane.binaries().whyIncomplete());
        KubernetesClient client = plane.client();
        ClusterFixtures.prepareForOperator(client);
        String namespace = ClusterFixtures.freshNamespace(client, "restart");
        List<String> names = IntStream.range(0, SANDBOXES).mapToObj(i -> "agent-" + i).toList();

        int podsAtCrash;
        // One reconcile at a time, so that the crash lands while most sandboxes are still in flight.
        try (OperatorProcess first = OperatorProcess.start(plane, "operator-before-crash",
                Map.of("quarkus.operator-sdk.concurrent-reconciliation-threads", "1",
                        ShortLease.SETTING, ShortLease.DURATION))) {
            names.forEach(name -> Sandboxes.apply(client, namespace, name));
            eventually(CONVERGENCE).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
                    .until(() -> !Sandboxes.managedPods(client, namespace).isEmpty());
            first.crash();
            podsAtCrash = Sandboxes.managedPods(client, namespace).size();
        }
        LOG.infof("crashed the operator with %d of %d pods created", podsAtCrash, SANDBOXES);
        assertThat(podsAtCrash).as("pods when the operator crashed").isBetween(1, SANDBOXES - 1);

        try (OperatorProcess second = OperatorProcess.start(plane, "operator-after-crash",
                Map.of(ShortLease.SETTING, ShortLease.DURATION))) {
            // Leader election: the successor takes over once the dead operator's Lease expires.
            eventually(CONVERGENCE.multipliedBy(2)).untilAsserted(() -> assertThat(sandboxes(client, namespace))
                    .hasSize(SANDBOXES).allMatch(OperatorRestartIT::isReady));
            names.forEach(name -> Sandboxes.assertReady(client, namespace, name));

            Map<String, AgentSandbox> byUid = sandboxes(client, namespace).stream()
                    .collect(Collectors.toMap(s -> s.getMetadata().getUid(), Function.identity()));
            List<Pod> pods = Sandboxes.managedPods(client, namespace);
            assertThat(pods).as("one pod per sandbox").hasSize(SANDBOXES)
                    .extracting(p -> p.getMetadata().getLabels().get(SandboxObjects.SANDBOX_LABEL))
                    .doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(names);
            assertThat(pods).as("every pod owned by a live sandbox of its name").allSatisfy(pod -> {
                OwnerReference owner = pod.getMetadata().getOwnerReferences().get(0);
                assertThat(byUid).containsKey(owner.getUid());
                assertThat(SandboxObjects.podName(byUid.get(owner.getUid()).getMetadata().getName()))
                        .isEqualTo(pod.getMetadata().getName());
            });
            Set<String> configMaps = client.configMaps().inNamespace(namespace)
                    .withLabel(SandboxObjects.MANAGED_BY_LABEL, SandboxObjects.MANAGED_BY).list().getItems()
                    .stream().map(c -> c.getMetadata().getName()).collect(Collectors.toSet());
            assertThat(configMaps).hasSize(SANDBOXES);
            assertThat(client.network().v1().networkPolicies().inNamespace(namespace).list().getItems())
                    .hasSize(SANDBOXES);
        }
    }

    private static List<AgentSandbox> sandboxes(KubernetesClient client, String namespace) {
        return client.resources(AgentSandbox.class).inNamespace(namespace).list().getItems();
    }

    private static boolean isReady(AgentSandbox sandbox) {
        return sandbox.getStatus() != null && sandbox.getStatus().getPhase() == SandboxPhase.READY;
    }
}
