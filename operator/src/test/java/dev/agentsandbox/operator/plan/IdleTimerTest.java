package dev.agentsandbox.operator.plan;

import dev.agentsandbox.operator.api.v1alpha1.AgentCpuStatus;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxStatus;
import dev.agentsandbox.operator.api.v1alpha1.EgressStatus;
import dev.agentsandbox.operator.api.v1alpha1.LifecycleSpec;
import dev.agentsandbox.operator.api.v1alpha1.ModelUsageStatus;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class IdleTimerTest {

    private static final Instant NOW = Instant.parse("2026-11-01T12:00:00Z");

    private static LifecycleSpec timeout(String idleTimeout) {
        LifecycleSpec lifecycle = new LifecycleSpec();
        lifecycle.setIdleTimeout(idleTimeout);
        return lifecycle;
    }

    private static LifecycleSpec cpuThreshold(String idleTimeout, String threshold) {
        LifecycleSpec lifecycle = timeout(idleTimeout);
        lifecycle.setIdleCpuThreshold(threshold);
        return lifecycle;
    }

    private static AgentSandboxStatus ready(String since, String egressActivity, String modelActivity) {
        AgentSandboxStatus status = new AgentSandboxStatus();
        status.setConditions(List.of(new SandboxCondition("Ready", since == null ? "False" : "True", "PodReady", "ok",
                since == null ? "2026-11-01T00:00:00Z" : since, 1L)));
        status.setEgress(new EgressStatus(1L, 0L, List.of(), List.of(), List.of(), null, 0, egressActivity));
        status.setModel(new ModelUsageStatus(1L, 1L, 1L, 0L, null, null, modelActivity));
        return status;
    }

    @Test
    void noRequestAndNoModelCallForTheTimeoutIsIdle() {
        AgentSandboxStatus quiet = ready("2026-11-01T09:00:00Z", "2026-11-01T11:29:00Z", "2026-11-01T11:00:00Z");

        assertThat(IdleTimer.idle(timeout("30m"), quiet, null, NOW)).isTrue();
        assertThat(IdleTimer.idle(timeout("1h"), quiet, null, NOW)).isFalse();
    }

    @Test
    void eitherSidecarsActivityCounts() {
        assertThat(IdleTimer.idle(timeout("30m"), ready("2026-11-01T09:00:00Z", "2026-11-01T10:00:00Z",
                "2026-11-01T11:45:00Z"), null, NOW)).as("a recent model call").isFalse();
        assertThat(IdleTimer.idle(timeout("30m"), ready("2026-11-01T09:00:00Z", "2026-11-01T11:45:00Z", null),
                null, NOW)).as("a recent egress request, never a model call").isFalse();
    }

    @Test
    void theClockStartsWhenTheSandboxBecomesReady() {
        assertThat(IdleTimer.idle(timeout("30m"), ready("2026-11-01T11:50:00Z", "2026-11-01T08:00:00Z", null), null,
                NOW))
                .as("just resumed, last activity long ago").isFalse();
        assertThat(IdleTimer.idle(timeout("30m"), ready("2026-11-01T11:00:00Z", null, null), null, NOW))
                .as("no activity at all since ready").isTrue();
    }

    @Test
    void neverWithoutATimeoutOrWhileNotReady() {
        AgentSandboxStatus quiet = ready("2026-11-01T09:00:00Z", "2026-11-01T09:00:00Z", null);

        assertThat(IdleTimer.idle(null, quiet, null, NOW)).isFalse();
        assertThat(IdleTimer.idle(timeout(null), quiet, null, NOW)).isFalse();
        assertThat(IdleTimer.idle(timeout("30m"), ready(null, "2026-11-01T09:00:00Z", null), null, NOW))
                .isFalse();
        assertThat(IdleTimer.idle(timeout("30m"), null, null, NOW)).isFalse();
    }

    @Test
    void theTimeoutIsSpelledAsGoAndCelDo() {
        assertThat(IdleTimer.timeout(timeout("1h30m"))).contains(Duration.ofMinutes(90));
        assertThat(IdleTimer.timeout(timeout("90s"))).contains(Duration.ofSeconds(90));
    }

    @Test
    void cpuUseAboveTheThresholdAtACheckIsActivity() {
        AgentSandboxStatus quiet = ready("2026-11-01T09:00:00Z", "2026-11-01T09:00:00Z", null);
        LifecycleSpec lifecycle = cpuThreshold("30m", "100m");

        AgentCpuStatus busy = IdleTimer.cpu(lifecycle, null, CpuSample.cores(new BigDecimal("0.85")), NOW);

        assertThat(busy).isEqualTo(AgentCpuStatus.counted("2026-11-01T12:00:00Z"));
        assertThat(IdleTimer.idle(lifecycle, quiet, busy, NOW)).as("a build at 850m, no network").isFalse();
        assertThat(IdleTimer.idle(lifecycle, quiet, busy, NOW.plus(Duration.ofMinutes(29)))).isFalse();
        assertThat(IdleTimer.idle(lifecycle, quiet, busy, NOW.plus(Duration.ofMinutes(30))))
                .as("30m after the last busy check").isTrue();
    }

    @Test
    void cpuUseAtOrBelowTheThresholdIsNot() {
        AgentSandboxStatus quiet = ready("2026-11-01T09:00:00Z", "2026-11-01T09:00:00Z", null);
        LifecycleSpec lifecycle = cpuThreshold("30m", "100m");

        AgentCpuStatus atThreshold = IdleTimer.cpu(lifecycle, null, CpuSample.cores(new BigDecimal("0.1")), NOW);
        AgentCpuStatus below = IdleTimer.cpu(lifecycle, null, CpuSample.cores(new BigDecimal("0.002")), NOW);

        assertThat(atThreshold).isEqualTo(AgentCpuStatus.counted(null));
        assertThat(below).isEqualTo(AgentCpuStatus.counted(null));
        assertThat(IdleTimer.idle(lifecycle, quiet, below, NOW)).isTrue();
    }

    @Test
    void aQuietCheckKeepsTheLastBusyOne() {
        LifecycleSpec lifecycle = cpuThreshold("30m", "0.5");
        AgentCpuStatus busyEarlier = AgentCpuStatus.counted("2026-11-01T11:40:00Z");

        assertThat(IdleTimer.cpu(lifecycle, busyEarlier, CpuSample.cores(BigDecimal.ZERO), NOW))
                .isEqualTo(busyEarlier);
        assertThat(IdleTimer.idle(lifecycle, ready("2026-11-01T09:00:00Z", null, null), busyEarlier, NOW))
                .as("busy 20 minutes ago").isFalse();
    }

    @Test
    void withoutAReadingCpuIsNotConsideredAndTheStatusSaysWhy() {
        LifecycleSpec lifecycle = cpuThreshold("30m", "100m");
        AgentCpuStatus busyEarlier = AgentCpuStatus.counted("2026-11-01T11:00:00Z");

        AgentCpuStatus absent = IdleTimer.cpu(lifecycle, busyEarlier,
                CpuSample.unavailable("the metrics.k8s.io API is not served"), NOW);

        assertThat(absent).isEqualTo(AgentCpuStatus.notCounted("2026-11-01T11:00:00Z",
                "the metrics.k8s.io API is not served"));
        assertThat(IdleTimer.idle(lifecycle, ready("2026-11-01T09:00:00Z", null, null), absent, NOW))
                .as("the sidecars' activity alone decides, as without a threshold").isTrue();
        assertThat(IdleTimer.cpu(lifecycle, busyEarlier, null, NOW)).as("nothing read: no ready pod")
                .isEqualTo(busyEarlier);
    }

    @Test
    void theThresholdCountsOnlyWithATimeout() {
        assertThat(IdleTimer.cpuThreshold(cpuThreshold("30m", "250m"))).contains(new BigDecimal("0.250"));
        assertThat(IdleTimer.cpuThreshold(cpuThreshold("30m", "2"))).contains(new BigDecimal("2"));
        assertThat(IdleTimer.cpuThreshold(cpuThreshold(null, "250m"))).isEmpty();
        assertThat(IdleTimer.cpu(cpuThreshold(null, "250m"), null, CpuSample.cores(BigDecimal.ONE), NOW)).isNull();
        assertThat(IdleTimer.cpu(timeout("30m"), null, CpuSample.cores(BigDecimal.ONE), NOW)).isNull();
    }
}
