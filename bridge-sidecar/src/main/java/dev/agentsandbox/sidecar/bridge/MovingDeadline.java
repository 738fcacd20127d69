package dev.agentsandbox.sidecar.bridge;

import io.netty.util.concurrent.EventExecutor;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A deadline on one event loop, for timeouts that are set again at every request and almost never expire: setting
 * it only notes the new time, and its one timer, when it fires before the deadline, waits the rest. So no task is
 * scheduled or cancelled per request (each of which costs the loop's timer queue an insertion or a removal).
 *
 * <p>Only used on its loop.
 */
final class MovingDeadline {

    private final EventExecutor loop;
    private final Runnable onExpiry;
    private boolean armed;
    /** The deadline ({@link System#nanoTime()}), while {@link #armed}. */
    private long at;
    private ScheduledFuture<?> timer;
    /** When {@link #timer} fires. */
    private long timerAt;

    /**
     * @param onExpiry run on the loop once when an armed deadline passes (the deadline is disarmed first)
     */
    MovingDeadline(EventExecutor loop, Runnable onExpiry) {
        this.loop = loop;
        this.onExpiry = onExpiry;
    }

    /** Sets the deadline {@code nanos} from now, replacing any earlier one. */
    void arm(long nanos) {
        armed = true;
        at = System.nanoTime() + nanos;
        if (timer != null) {
            if (timerAt - at <= 0) {
                return; // it fires first, then waits the rest
            }
            timer.cancel(false);
        }
        schedule(at);
    }

    void disarm() {
        armed = false;
    }

    boolean armed() {
        return armed;
    }

    /** Disarms and drops the timer (the connection closed). */
    void stop() {
        armed = false;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void schedule(long when) {
        timerAt = when;
        timer = loop.schedule(this::fired, Math.max(0, when - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void fired() {
        timer = null;
        if (!armed) {
            return;
        }
        if (at - System.nanoTime() > 0) {
            schedule(at);
            return;
        }
        armed = false;
        onExpiry.run();
    }
}
