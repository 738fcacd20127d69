package dev.agentsandbox.operator.it;

import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.ControlPlaneExtension;
import dev.agentsandbox.operator.testing.EmbeddedControlPlane;
import dev.agentsandbox.operator.testing.OperatorProcess;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import static dev.agentsandbox.operator.testing.ClusterFixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * How the packaged operator ends: SIGTERM (a rollout, a drain) makes it exit at once and hand its Lease to the
 * standby; an operator that loses its Lease stops by itself, so that two never reconcile at once.
 */
@ExtendWith(ControlPlaneExtension.class)
class OperatorShutdownIT {

    /** Generous for a loaded machine; a healthy stop takes about a second. */
    private static final Duration PROMPT_EXIT = Duration.ofSeconds(10);
    /**
     * Below JOSDK's lease duration (15 s, renewed every 2 s): a standby can only take a Lease this soon after the
     * leader's SIGTERM if the leader released it.
     */
    private static final Duration HANDOVER = Duration.ofSeconds(12);
    private static final Logger LOG = Logger.getLogger(OperatorShutdownIT.class);

    private static KubernetesClient client;

    @BeforeAll
    static void prepare(EmbeddedControlPlane plane) {
        assumeTrue(plane.isComplete(), plane.binaries().whyIncomplete());
        client = plane.client();
        ClusterFixtures.prepareForOperator(client);
    }

    @Test
    void sigtermStopsTheLeaderPromptlyAndTheStandbyTakesOverAtOnce(EmbeddedControlPlane plane) {
        String lease = uniqueLease();
        Map<String, String> settings = Map.of("agentsandbox.leader-election.lease-name", lease);
        try (OperatorProcess leader = OperatorProcess.start(plane, "operator-leader", settings)) {
            String leaderIdentity = awaitHolderOtherThan(lease, null);
            try (OperatorProcess standby = OperatorProcess.start(plane, "operator-standby", settings)) {
                assertThat(holder(lease)).as("holder once the standby runs").isEqualTo(leaderIdentity);

                long sigterm = System.nanoTime();
                boolean exited = leader.terminate(PROMPT_EXIT);
                long exitMillis = millisSince(sigterm);
                assertThat(exited).as("the leader exited within %s of SIGTERM; its log ends with:%n%s", PROMPT_EXIT,
                        tail(leader.log())).isTrue();

                String successor = awaitHolderOtherThan(lease, leaderIdentity);
                long handoverMillis = millisSince(sigterm);
                LOG.infof("leader exited %d ms after SIGTERM (code %d); the standby held the Lease %d ms after it",
                        exitMillis, leader.exitValue(), handoverMillis);
                assertThat(Duration.ofMillis(handoverMillis)).as("SIGTERM to the standby holding the Lease")
                        .isLessThan(HANDOVER);
                assertThat(leader.log()).contains("Released the Lease " + OperatorProcess.OPERATOR_NAMESPACE + "/"
                        + lease);
                // The callback that logs it runs just after the Lease is written: wait for it, not for the Lease.
                eventually(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(standby.log()).as("standby log")
                        .contains("Leading as " + successor));

                // The successor does reconcile.
                String namespace = ClusterFixtures.freshNamespace(client, "handover");
                Sandboxes.apply(client, namespace, "after-handover");
                Sandboxes.awaitReady(client, namespace, "after-handover");
            }
        }
    }

    @Test
    void anOperatorThatLosesItsLeaseStopsByItself(EmbeddedControlPlane plane) {
        String lease = uniqueLease();
        try (OperatorProcess operator = OperatorProcess.start(plane, "operator-loses-lease",
                Map.of("agentsandbox.leader-election.lease-name", lease))) {
            String identity = awaitHolderOtherThan(lease, null);

            // Another replica took over (as after a long pause of this one: a GC, a frozen node).
            leaseResource(lease).edit(l -> {
                l.getSpec().setHolderIdentity("another-replica");
                l.getSpec().setRenewTime(ZonedDateTime.now());
                l.getSpec().setLeaseDurationSeconds(60);
                return l;
            });

            eventually(Duration.ofSeconds(30)).until(() -> !operator.isAlive());
            assertThat(operator.exitValue()).as("exit code: Kubernetes restarts it as a standby").isEqualTo(1);
            assertThat(operator.log()).contains("Lost the Lease " + OperatorProcess.OPERATOR_NAMESPACE + "/" + lease
                    + " (held as " + identity + ")");
            assertThat(holder(lease)).as("the stopping operator leaves the new holder alone")
                    .isEqualTo("another-replica");
        }
    }

    /** Every test its own Lease: an operator of another test (or its Lease) never competes. */
    private static String uniqueLease() {
        return "shutdown-it-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String awaitHolderOtherThan(String lease, String previous) {
        AtomicReference<String> holder = new AtomicReference<>();
        eventually(Sandboxes.CONVERGENCE).pollInterval(Duration.ofMillis(100)).until(() -> {
            holder.set(holder(lease));
            return holder.get() != null && !holder.get().equals(previous);
        });
        return holder.get();
    }

    private static String holder(String lease) {
        Lease current = leaseResource(lease).get();
        return current == null || current.getSpec() == null ? null : current.getSpec().getHolderIdentity();
    }

    private static Resource<Lease> leaseResource(String lease) {
        return client.leases().inNamespace(OperatorProcess.OPERATOR_NAMESPACE).withName(lease);
    }

    private static long millisSince(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos).toMillis();
    }

    private static String tail(String log) {
        String[] lines = log.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 30), lines.length));
    }
}
