package dev.agentsandbox.operator.config;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The end of leadership: exit after a loss, release on a stop, and never JOSDK's System.exit. */
@EnableKubernetesMockClient(crud = true)
class LeadershipTest {

    private static final String LEASE = "operator-lease";
    private static final String NAMESPACE = "operators";

    KubernetesClient client;

    private final AtomicInteger exits = new AtomicInteger();

    @Test
    void josdkIsToldNotToExitAndGetsTheIdentityAndCallbacks() {
        Leadership leadership = leadership("pod-a_1");

        OperatorLeaderElection election = new OperatorLeaderElection(leadership);

        assertThat(election.isExitOnStopLeading()).as("JOSDK's System.exit on stop-leading").isFalse();
        assertThat(election.getIdentity()).contains("pod-a_1");
        assertThat(election.getLeaderCallbacks()).isPresent();
        assertThat(election.getLeaseName()).isEqualTo(LEASE);
        assertThat(election.getLeaseNamespace()).contains(NAMESPACE);
    }

    @Test
    void identityNamesThePodAndIsUniquePerProcess() {
        String first = Leadership.identity(Optional.of("operator-7d9f-abcde"));
        String second = Leadership.identity(Optional.of("operator-7d9f-abcde"));

        assertThat(first).startsWith("operator-7d9f-abcde_").isNotEqualTo(second);
        assertThat(Leadership.identity(Optional.empty())).isNotBlank().doesNotContain("_");
        assertThat(Leadership.identity(Optional.of(" "))).isNotBlank().doesNotStartWith(" ");
    }

    @Test
    void losingTheLeaseWhileRunningStopsTheOperatorOnce() {
        Leadership leadership = leadership("pod-a_1");

        leadership.stoppedLeading();
        leadership.stoppedLeading();

        assertThat(exits).as("exit requests").hasValue(1);
    }

    @Test
    void stopLeadingDuringShutdownDoesNotExitAgain() {
        Leadership leadership = leadership("pod-a_1");
        leadership.beforeOperatorStops(null);

        leadership.stoppedLeading();

        assertThat(exits).as("exit requests").hasValue(0);
    }

    @Test
    void releaseLetsTheLeaseExpireAtOnceWhenThisReplicaHoldsIt() {
        createLease("pod-a_1", ZonedDateTime.now().minusSeconds(5));
        ZonedDateTime before = ZonedDateTime.now().minusSeconds(1);

        assertThat(leadership("pod-a_1").released(client)).isTrue();

        // Fabric8's release: renewed now for one second, so any standby may take it a second later.
        Lease lease = lease();
        assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(1);
        assertThat(lease.getSpec().getRenewTime()).isAfter(before);
    }

    @Test
    void releaseLeavesALeaseHeldByAnotherReplicaAlone() {
        createLease("pod-b_2", ZonedDateTime.now());

        assertThat(leadership("pod-a_1").released(client)).isFalse();

        assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("pod-b_2");
        assertThat(lease().getSpec().getLeaseDurationSeconds()).isEqualTo(15);
    }

    @Test
    void releaseWithoutALeaseIsNoError() {
        assertThat(leadership("pod-a_1").released(client)).isFalse();
    }

    private Leadership leadership(String identity) {
        return new Leadership(LEASE, NAMESPACE, Duration.ofSeconds(15), identity, client, exits::incrementAndGet);
    }

    private void createLease(String holder, ZonedDateTime renewed) {
        client.resource(new LeaseBuilder().withNewMetadata().withName(LEASE).withNamespace(NAMESPACE).endMetadata()
                .withNewSpec().withHolderIdentity(holder).withLeaseDurationSeconds(15).withAcquireTime(renewed)
                .withRenewTime(renewed).withLeaseTransitions(0).endSpec().build()).create();
    }

    private Lease lease() {
        return client.leases().inNamespace(NAMESPACE).withName(LEASE).get();
    }
}
