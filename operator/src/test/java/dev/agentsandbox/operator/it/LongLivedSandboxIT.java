package dev.agentsandbox.operator.it;

import dev.agentsandbox.operator.testing.ControlPlaneExtension;
import dev.agentsandbox.operator.testing.EmbeddedControlPlane;
import dev.agentsandbox.operator.testing.OperatorProcess;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.readiness.Readiness;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static dev.agentsandbox.operator.it.LongLivedSandbox.NAME;
import static dev.agentsandbox.operator.it.LongLivedSandbox.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Last of the IT run: the sandbox {@link LongLivedSandboxStartIT} made Ready at the start is Ready still, at least
 * {@link LongLivedSandbox#LIFETIME} later, and its pod never stopped being ready in between. Run alone, it creates
 * the sandbox itself and waits the whole lifetime.
 */
@ExtendWith(ControlPlaneExtension.class)
@Order(Integer.MAX_VALUE)
class LongLivedSandboxIT {

    private static final Logger LOG = Logger.getLogger(LongLivedSandboxIT.class);

    @Test
    void aSandboxOnKwokIsStillReadyMinutesLater(EmbeddedControlPlane plane) throws InterruptedException {
        assumeTrue(plane.isComplete(), plane.binaries().whyIncomplete());
        KubernetesClient client = plane.client();
        if (!LongLivedSandbox.exists(client)) {
            LOG.warn("the long-lived sandbox does not exist (LongLivedSandboxStartIT did not run first): creating it"
                    + " now, and waiting " + LongLivedSandbox.LIFETIME);
            LongLivedSandbox.create(plane);
        }
        Instant readySince = LongLivedSandbox.readySince(client);
        Duration left = Duration.between(Instant.now(), readySince.plus(LongLivedSandbox.LIFETIME));
        LOG.infof("the long-lived sandbox's pod is ready since %s; waiting %d s more", readySince,
                Math.max(0, left.toSeconds()));
        if (!left.isNegative()) {
            Thread.sleep(left.toMillis());
        }

        PodCondition ready = LongLivedSandbox.podReady(client);
        assertThat(ready.getStatus()).as("pod Ready: %s %s", ready.getReason(), ready.getMessage()).isEqualTo("True");
        assertThat(Instant.parse(ready.getLastTransitionTime())).as("pod Ready since (never flipped in between)")
                .isEqualTo(readySince);
        assertThat(client.nodes().list().getItems()).filteredOn(n -> n.getMetadata().getName()
                        .startsWith(EmbeddedControlPlane.FAKE_NODE_PREFIX)).as("fake Nodes").isNotEmpty()
                .allSatisfy(node -> assertThat(Readiness.isNodeReady(node)).as("%s Ready: %s",
                        node.getMetadata().getName(), node.getStatus().getConditions()).isTrue());
        // A fresh operator computes the status from the cluster as it is now.
        try (OperatorProcess operator = OperatorProcess.start(plane, "operator-long-lived-check", Map.of())) {
            Sandboxes.awaitReady(client, NAMESPACE, NAME);
        }
    }
}
