package dev.agentsandbox.operator.plan;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** An adopted slot's takeover waits only while other sandboxes wait for their first status, and never for long. */
class FinishHoldTest {

    private static final Instant READY = Instant.parse("2026-12-06T12:00:00Z");
    private static final Duration DELAY = Duration.ofSeconds(1);
    private static final Duration MAX = Duration.ofSeconds(5);

    @Test
    void nobodyWaitingMeansNow() {
        assertThat(FinishHold.remaining(READY, READY, false, DELAY, MAX)).isEmpty();
    }

    @Test
    void othersWaitingHoldItOneDelayAtATimeUpToMaxAfterReady() {
        assertThat(FinishHold.remaining(READY, READY, true, DELAY, MAX)).contains(DELAY);
        assertThat(FinishHold.remaining(READY, READY.plusMillis(4_500), true, DELAY, MAX))
                .contains(Duration.ofMillis(500));
        assertThat(FinishHold.remaining(READY, READY.plus(MAX), true, DELAY, MAX)).isEmpty();
    }

    @Test
    void noDelayConfiguredMeansNow() {
        assertThat(FinishHold.remaining(READY, READY, true, Duration.ZERO, MAX)).isEmpty();
    }
}
