package dev.agentsandbox.operator.it;

import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.EmbeddedControlPlane;
import dev.agentsandbox.operator.testing.OperatorProcess;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One sandbox on a kwok Node that lives through the whole IT run: {@link LongLivedSandboxStartIT} creates it first,
 * {@link LongLivedSandboxIT} checks it last, so the wait costs the run nothing unless the run is shorter than
 * {@link #LIFETIME}. Fake Nodes without a heartbeat went not ready after about a minute, and their Pods with them.
 */
final class LongLivedSandbox {

    static final String NAMESPACE = "long-lived";
    static final String NAME = "survivor";
    static final Duration LIFETIME = Duration.ofMinutes(3);

    private LongLivedSandbox() {
    }

    static boolean exists(KubernetesClient client) {
        return Sandboxes.sandbox(client, NAMESPACE, NAME).get() != null;
    }

    /** Creates it with an operator of its own and returns once it is Ready. */
    static void create(EmbeddedControlPlane plane) {
        KubernetesClient client = plane.client();
        ClusterFixtures.prepareForOperator(client);
        client.resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
                .fieldManager(ClusterFixtures.TEST_FIELD_MANAGER).serverSideApply();
        try (OperatorProcess operator = OperatorProcess.start(plane, "operator-long-lived-start", Map.of())) {
            Sandboxes.apply(client, NAMESPACE, NAME);
            Sandboxes.awaitReady(client, NAMESPACE, NAME);
        }
    }

    /** The pod's Ready condition, which the node controller turns False when the Node stops heartbeating. */
    static PodCondition podReady(KubernetesClient client) {
        Pod pod = Sandboxes.pod(client, NAMESPACE, NAME).get();
        assertThat(pod).as("pod of the long-lived sandbox").isNotNull();
        return pod.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst()
                .orElseThrow(() -> new AssertionError("no Ready condition in " + pod.getStatus()));
    }

    static Instant readySince(KubernetesClient client) {
        return Instant.parse(podReady(client).getLastTransitionTime());
    }
}
