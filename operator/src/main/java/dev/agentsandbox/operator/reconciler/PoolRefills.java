package dev.agentsandbox.operator.reconciler;

import dev.agentsandbox.operator.plan.RefillHold;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Notices, from one reconcile of a pool to the next, that sandboxes took its pods (fewer unclaimed pods than the
 * last reconcile left), and holds the refill back as {@link RefillHold} says. What the last reconcile left is kept
 * per pool while the pool exists: a pool is deleted without a reconcile (it has no finalizer), so each reconcile
 * lets go of the pools that are gone ({@link #retain}).
 */
final class PoolRefills {

    private final Duration delay;
    private final Duration max;
    private final Map<ResourceID, Integer> left = new ConcurrentHashMap<>();
    private final Map<ResourceID, RefillHold> holds = new ConcurrentHashMap<>();

    PoolRefills(Duration delay, Duration max) {
        this.delay = delay;
        this.max = max;
    }

    /** How long the pool's refill still waits, seeing {@code unclaimed} pods at {@code now}; empty: refill now. */
    Optional<Duration> hold(ResourceID pool, int unclaimed, Instant now) {
        if (delay.isZero()) {
            return Optional.empty();
        }
        Integer before = left.get(pool);
        if (before != null && unclaimed < before) {
            holds.compute(pool, (id, previous) -> RefillHold.taken(previous, now, delay, max));
        }
        Optional<Duration> remaining = Optional.ofNullable(holds.get(pool))
                .flatMap(hold -> hold.remaining(now, delay, max));
        if (remaining.isEmpty()) {
            holds.remove(pool);
        }
        return remaining;
    }

    /** The unclaimed pods this reconcile left (after its deletions and creations). */
    void left(ResourceID pool, int unclaimed) {
        left.put(pool, unclaimed);
    }

    /** Forgets every pool that {@code exists} no longer accepts. */
    void retain(Predicate<ResourceID> exists) {
        left.keySet().removeIf(exists.negate());
        holds.keySet().removeIf(exists.negate());
    }
}
