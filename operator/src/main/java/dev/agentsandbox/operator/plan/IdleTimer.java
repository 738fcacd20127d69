package dev.agentsandbox.operator.plan;

import dev.agentsandbox.operator.api.v1alpha1.AgentCpuStatus;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxStatus;
import dev.agentsandbox.operator.api.v1alpha1.LifecycleSpec;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;
import io.fabric8.kubernetes.api.model.Quantity;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Idle suspend ({@code spec.lifecycle.idleTimeout}, opt-in): a ready sandbox whose agent made no request through the
 * egress proxy and no model call for that long is idle. Activity is what the sidecars report
 * ({@code status.egress.lastActivity}, {@code status.model.lastActivity}); the clock starts again when the sandbox
 * becomes Ready (a resumed sandbox is not idle at once). With {@code spec.lifecycle.idleCpuThreshold}, the agent
 * container's CPU use above it at an idle check is activity too ({@link #cpu}; read by the reconciler from the
 * metrics API, which may be absent). What neither shows is not activity: a terminal session, traffic that bypasses
 * the proxy, and without the threshold a long build without network use.
 */
public final class IdleTimer {

    /**
     * Set by the operator, in the same write as {@code mode: Paused}, on a sandbox it paused for idleness; removed
     * once it runs again. The status cannot carry this: a reconcile may see the paused spec before its own status.
     */
    public static final String PAUSED_ANNOTATION = "agentsandbox.dev/idle-paused";

    private IdleTimer() {
    }

    /**
     * Whether the sandbox is idle at {@code now}; never without a timeout or while it is not Ready.
     *
     * @param cpu the agent's CPU as this check counts it ({@link #cpu}); null without a threshold
     */
    public static boolean idle(LifecycleSpec lifecycle, AgentSandboxStatus status, AgentCpuStatus cpu, Instant now) {
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
                        : status.getModel().lastActivity()), Timestamps.parse(cpu == null ? null
                        : cpu.lastActivity()))
                .flatMap(Optional::stream).max(Instant::compareTo).orElseThrow();
        return !now.isBefore(lastActivity.plus(timeout.get()));
    }

    /**
     * The agent's CPU as idle suspend counts it after this check: the time of {@code sample} if its usage is above
     * the threshold, else the previous activity, with the reason when there was no reading. Null without a
     * threshold; the previous one when nothing was read ({@code sample} null: no ready pod).
     */
    public static AgentCpuStatus cpu(LifecycleSpec lifecycle, AgentCpuStatus previous, CpuSample sample,
                                     Instant now) {
        Optional<BigDecimal> threshold = cpuThreshold(lifecycle);
        if (threshold.isEmpty()) {
            return null;
        }
        if (sample == null) {
            return previous;
        }
        String lastActivity = previous == null ? null : previous.lastActivity();
        if (sample.cores() == null) {
            return AgentCpuStatus.notCounted(lastActivity, sample.unavailable());
        }
        return AgentCpuStatus.counted(sample.cores().compareTo(threshold.get()) > 0
                ? now.truncatedTo(ChronoUnit.SECONDS).toString() : lastActivity);
    }

    /** {@code spec.lifecycle.idleCpuThreshold} in cores, when idle suspend is on. */
    public static Optional<BigDecimal> cpuThreshold(LifecycleSpec lifecycle) {
        if (timeout(lifecycle).isEmpty() || lifecycle.getIdleCpuThreshold() == null) {
            return Optional.empty();
        }
        return Optional.of(new Quantity(lifecycle.getIdleCpuThreshold()).getNumericalAmount());
    }

    /** {@code spec.lifecycle.idleTimeout} (Go spelling: 1h30m) as a Duration. */
    public static Optional<Duration> timeout(LifecycleSpec lifecycle) {
        if (lifecycle == null || lifecycle.getIdleTimeout() == null) {
            return Optional.empty();
        }
        return Optional.of(Duration.parse("PT" + lifecycle.getIdleTimeout().toUpperCase(Locale.ROOT)));
    }
}
