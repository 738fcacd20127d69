package dev.agentsandbox.operator.plan;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxStatus;
import dev.agentsandbox.operator.api.v1alpha1.LifecycleSpec;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Idle suspend ({@code spec.lifecycle.idleTimeout}, opt-in): a ready sandbox whose agent made no request through the
 * egress proxy and no model call for that long is idle. Activity is what the sidecars report
 * ({@code status.egress.lastActivity}, {@code status.model.lastActivity}); the clock starts again when the sandbox
 * becomes Ready (a resumed sandbox is not idle at once). What the sidecars do not see is not activity: a long
 * build without network use, a terminal session, traffic that bypasses the proxy.
 */
public final class IdleTimer {

    /**
     * Set by the operator, in the same write as {@code mode: Paused}, on a sandbox it paused for idleness; removed
     * once it runs again. The status cannot carry this: a reconcile may see the paused spec before its own status.
     */
    public static final String PAUSED_ANNOTATION = "agentsandbox.dev/idle-paused";

    private IdleTimer() {
    }

    /** Whether the sandbox is idle at {@code now}; never without a timeout or while it is not Ready. */
    public static boolean idle(LifecycleSpec lifecycle, AgentSandboxStatus status, Instant now) {
        Optional<Duration> timeout = timeout(lifecycle);
        if (timeout.isEmpty() || status == null) {
            return false;
        }
        Optional<Instant> readySince = status.getConditions().stream()
                .filter(c -> "Ready".equals(c.type()) && SandboxCondition.TRUE.equals(c.status()))
                .map(SandboxCondition::lastTransitionTime).map(Timestamps::parse).flatMap(Optional::stream)
                .findFirst();
        if (readySince.isEmpty()) {
            return false;
        }
        Instant lastActivity = Stream.of(readySince, Timestamps.parse(status.getEgress() == null ? null
                        : status.getEgress().lastActivity()), Timestamps.parse(status.getModel() == null ? null
                        : status.getModel().lastActivity()))
                .flatMap(Optional::stream).max(Instant::compareTo).orElseThrow();
        return !now.isBefore(lastActivity.plus(timeout.get()));
    }

    /** {@code spec.lifecycle.idleTimeout} (Go spelling: 1h30m) as a Duration. */
    public static Optional<Duration> timeout(LifecycleSpec lifecycle) {
        if (lifecycle == null || lifecycle.getIdleTimeout() == null) {
            return Optional.empty();
        }
        return Optional.of(Duration.parse("PT" + lifecycle.getIdleTimeout().toUpperCase(Locale.ROOT)));
    }
}
