package dev.agentsandbox.operator.plan;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class RefillHoldTest {

    private static final Duration DELAY = Duration.ofSeconds(1);
    private static final Duration MAX = Duration.ofSeconds(5);
    private static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");

    @Test
    void aTakenPodHoldsTheRefillForTheDelay() {
        RefillHold hold = RefillHold.taken(null, T0, DELAY, MAX);

        assertThat(hold.remaining(T0, DELAY, MAX)).contains(DELAY);
        assertThat(hold.remaining(T0.plusMillis(400), DELAY, MAX)).contains(Duration.ofMillis(600));
        assertThat(hold.remaining(T0.plus(DELAY), DELAY, MAX)).isEmpty();
    }

    @Test
    void eachAdoptionOfABurstRearmsTheHold() {
        RefillHold hold = RefillHold.taken(null, T0, DELAY, MAX);
        hold = RefillHold.taken(hold, T0.plusMillis(800), DELAY, MAX);
        hold = RefillHold.taken(hold, T0.plusMillis(1600), DELAY, MAX);

        assertThat(hold.firstTaken()).isEqualTo(T0);
        assertThat(hold.remaining(T0.plusMillis(2000), DELAY, MAX)).contains(Duration.ofMillis(600));
        assertThat(hold.remaining(T0.plusMillis(2600), DELAY, MAX)).isEmpty();
    }

    @Test
    void aSteadyStreamOfAdoptionsHoldsTheRefillNoLongerThanTheMaximum() {
        RefillHold hold = RefillHold.taken(null, T0, DELAY, MAX);
        for (int ms = 500; ms < 5000; ms += 500) {
            hold = RefillHold.taken(hold, T0.plusMillis(ms), DELAY, MAX);
        }

        assertThat(hold.remaining(T0.plusMillis(4900), DELAY, MAX)).contains(Duration.ofMillis(100));
        assertThat(hold.remaining(T0.plus(MAX), DELAY, MAX)).isEmpty();
        // The refill ran at the maximum; the adoptions that go on start a new series.
        assertThat(RefillHold.taken(hold, T0.plus(MAX), DELAY, MAX).firstTaken()).isEqualTo(T0.plus(MAX));
    }

    @Test
    void anAdoptionAfterTheHoldEndedStartsANewSeries() {
        RefillHold first = RefillHold.taken(null, T0, DELAY, MAX);
        RefillHold next = RefillHold.taken(first, T0.plusSeconds(3), DELAY, MAX);

        assertThat(next).isEqualTo(new RefillHold(T0.plusSeconds(3), T0.plusSeconds(3)));
        assertThat(next.remaining(T0.plusSeconds(3), DELAY, MAX)).contains(DELAY);
    }
}
