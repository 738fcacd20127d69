package dev.agentsandbox.operator.plan;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When a sandbox that adopted a warm pod takes the slot's ConfigMap, NetworkPolicy and workspace claim over
 * (docs/architecture.md, "Warm pools"). Nobody waits for those writes: the sandbox is Ready from its claim on, and the
 * pod is behind its slot's policy either way. Sandboxes that wait for their first status do wait, and they share the
 * API server with these writes, so while there are any (a burst of creations), the takeover waits too, looking again
 * every {@code delay}, but never longer than {@code max} after the sandbox became Ready. Pure.
 */
public final class FinishHold {

    private FinishHold() {
    }

    /**
     * @param readySince    when the sandbox became Ready (by the operator's own clock, as its status says)
     * @param othersWaiting whether other sandboxes wait for their first status
     * @return how long the takeover still waits at {@code now}; empty: now
     */
    public static Optional<Duration> remaining(Instant readySince, Instant now, boolean othersWaiting, Duration delay,
                                               Duration max) {
        if (!othersWaiting || delay.isZero()) {
            return Optional.empty();
        }
        Instant until = readySince.plus(max);
        if (!now.isBefore(until)) {
            return Optional.empty();
        }
        Duration left = Duration.between(now, until);
        return Optional.of(left.compareTo(delay) < 0 ? left : delay);
    }
}
