package dev.agentsandbox.operator.plan;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When a pool refills the pods sandboxes took from it. A burst of adoptions and the pool's refill compete for the same
 * API server; the adoptions are what someone waits for. So the refill waits until no pod was taken for {@code delay}
 * (each adoption re-arms it), but never more than {@code max} after the first pod of the series was taken: a steady
 * stream of adoptions does not empty the pool for good. Pure.
 *
 * @param firstTaken when the series of adoptions began
 * @param lastTaken  when a pod was last taken
 */
public record RefillHold(Instant firstTaken, Instant lastTaken) {

    /** After pods were taken at {@code now}: the same series re-armed, or a new one if the last had ended. */
    public static RefillHold taken(RefillHold previous, Instant now, Duration delay, Duration max) {
        if (previous == null || !previous.until(delay, max).isAfter(now)) {
            return new RefillHold(now, now);
        }
        return new RefillHold(previous.firstTaken, now);
    }

    /** How long the refill still waits at {@code now}; empty: refill now. */
    public Optional<Duration> remaining(Instant now, Duration delay, Duration max) {
        Instant until = until(delay, max);
        return now.isBefore(until) ? Optional.of(Duration.between(now, until)) : Optional.empty();
    }

    private Instant until(Duration delay, Duration max) {
        Instant rearmed = lastTaken.plus(delay);
        Instant capped = firstTaken.plus(max);
        return rearmed.isBefore(capped) ? rearmed : capped;
    }
}
