package dev.agentsandbox.operator.reconciler;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class WarmPodReservationsTest {

    private static final Instant NOW = Instant.parse("2026-12-06T17:00:00Z");

    @Test
    void aReservedPodIsNotGivenToASecondAdoptionUntilReleased() {
        WarmPodReservations reservations = new WarmPodReservations();
        assertThat(reservations.reserve("pod-a", NOW)).isTrue();
        assertThat(reservations.reserve("pod-a", NOW.plusSeconds(1))).isFalse();
        assertThat(reservations.reserve("pod-b", NOW.plusSeconds(1))).isTrue();

        reservations.release("pod-a");
        assertThat(reservations.reserve("pod-a", NOW.plusSeconds(2))).isTrue();
    }

    @Test
    void aReservationLapsesAfterItsTtl() {
        WarmPodReservations reservations = new WarmPodReservations();
        reservations.reserve("pod-a", NOW);
        assertThat(reservations.reserve("pod-a", NOW.plus(WarmPodReservations.TTL).minusMillis(1))).isFalse();
        assertThat(reservations.reserve("pod-a", NOW.plus(WarmPodReservations.TTL))).isTrue();
    }

    @Test
    void concurrentAdoptionsNeverReserveTheSamePod() throws Exception {
        WarmPodReservations reservations = new WarmPodReservations();
        ConcurrentLinkedQueue<String> won = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(24);
        for (int adoption = 0; adoption < 24; adoption++) {
            threads.submit(() -> {
                start.await();
                for (int pod = 0; pod < 100; pod++) {
                    if (reservations.reserve("pod-" + pod, NOW)) {
                        won.add("pod-" + pod);
                    }
                }
                return null;
            });
        }
        start.countDown();
        threads.shutdown();
        assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(won).hasSize(100).doesNotHaveDuplicates();
    }
}
