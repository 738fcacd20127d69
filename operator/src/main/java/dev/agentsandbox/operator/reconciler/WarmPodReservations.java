package dev.agentsandbox.operator.reconciler;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The warm pods this operator is claiming or has just claimed, so that its own concurrent adoptions pick different
 * pods. In a burst, every reconcile picks from a cache that does not show the claims of the others yet: without
 * this, most claims near the end of a burst lose the race on the pod's resourceVersion (409) and are tried again,
 * each a write to an API server that is already the bottleneck. The resourceVersion guard stays what makes a claim
 * safe (between operator replicas, against the pool deleting the pod); this only keeps one operator from racing
 * itself. A reservation lapses after {@link #TTL}, by when the informer shows the pod's claim.
 */
final class WarmPodReservations {

    static final Duration TTL = Duration.ofSeconds(30);

    private final Map<String, Instant> reserved = new ConcurrentHashMap<>();

    /** Reserves the pod of {@code uid} for the caller; false when another adoption holds it. */
    boolean reserve(String uid, Instant now) {
        reserved.values().removeIf(at -> !now.isBefore(at.plus(TTL)));
        return reserved.putIfAbsent(uid, now) == null;
    }

    /** Lets another adoption take the pod: the caller did not claim it and may not have changed it. */
    void release(String uid) {
        reserved.remove(uid);
    }
}
