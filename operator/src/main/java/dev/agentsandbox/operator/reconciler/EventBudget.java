package dev.agentsandbox.operator.reconciler;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the Events of each sandbox so that a looping agent cannot flood the API server: within a window of
 * {@link #WINDOW}, at most {@link #PER_WINDOW} Events per sandbox, and one per reason and key (e.g. per denied host;
 * the message when there is no key). What is held back is counted, not queued: the next report says it again.
 */
final class EventBudget {

    static final Duration WINDOW = Duration.ofMinutes(1);
    static final int PER_WINDOW = 10;
    /** Windows of sandboxes that went quiet are dropped once there are this many. */
    private static final int PURGE_ABOVE = 1024;

    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    private final AtomicLong suppressed = new AtomicLong();

    /** The verdict on one Event; {@code firstSuppressed}: the first one this window held back, worth a log line. */
    record Verdict(boolean admitted, boolean firstSuppressed) {
    }

    Verdict admit(String sandbox, String reason, String key, Instant now) {
        if (windows.size() > PURGE_ABOVE) {
            windows.values().removeIf(window -> window.over(now));
        }
        Window window = windows.compute(sandbox, (k, w) -> w == null || w.over(now) ? new Window(now) : w);
        Verdict verdict = window.admit(reason + "\u0000" + key);
        if (!verdict.admitted()) {
            suppressed.incrementAndGet();
        }
        return verdict;
    }

    /** Events held back since start. */
    long suppressed() {
        return suppressed.get();
    }

    private static final class Window {
        private final Instant start;
        private final Set<String> keys = new HashSet<>();
        private int emitted;
        private boolean suppressedAny;

        Window(Instant start) {
            this.start = start;
        }

        boolean over(Instant now) {
            return !now.isBefore(start.plus(WINDOW));
        }

        synchronized Verdict admit(String key) {
            if (emitted < PER_WINDOW && keys.add(key)) {
                emitted++;
                return new Verdict(true, false);
            }
            boolean first = !suppressedAny;
            suppressedAny = true;
            return new Verdict(false, first);
        }
    }
}
