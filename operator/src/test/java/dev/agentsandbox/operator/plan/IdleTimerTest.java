package dev.agentsandbox.operator.plan;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxStatus;
import dev.agentsandbox.operator.api.v1alpha1.EgressStatus;
import dev.agentsandbox.operator.api.v1alpha1.LifecycleSpec;
import dev.agentsandbox.operator.api.v1alpha1.ModelUsageStatus;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;
import org.junit.jupiter.api.Test;

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

        assertThat(IdleTimer.idle(timeout("30m"), quiet, NOW)).isTrue();
        assertThat(IdleTimer.idle(timeout("1h"), quiet, NOW)).isFalse();
    }

    @Test
    void eitherSidecarsActivityCounts() {
        assertThat(IdleTimer.idle(timeout("30m"), ready("2026-11-01T09:00:00Z", "2026-11-01T10:00:00Z",
                "2026-11-01T11:45:00Z"), NOW)).as("a recent model call").isFalse();
        assertThat(IdleTimer.idle(timeout("30m"), ready("2026-11-01T09:00:00Z", "2026-11-01T11:45:00Z", null),
                NOW)).as("a recent egress request, never a model call").isFalse();
    }

    @Test
    void theClockStartsWhenTheSandboxBecomesReady() {
        assertThat(IdleTimer.idle(timeout("30m"), ready("2026-11-01T11:50:00Z", "2026-11-01T08:00:00Z", null), NOW))
                .as("just resumed, last activity long ago").isFalse();
        assertThat(IdleTimer.idle(timeout("30m"), ready("2026-11-01T11:00:00Z", null, null), NOW))
                .as("no activity at all since ready").isTrue();
    }

    @Test
    void neverWithoutATimeoutOrWhileNotReady() {
        AgentSandboxStatus quiet = ready("2026-11-01T09:00:00Z", "2026-11-01T09:00:00Z", null);

        assertThat(IdleTimer.idle(null, quiet, NOW)).isFalse();
        assertThat(IdleTimer.idle(timeout(null), quiet, NOW)).isFalse();
        assertThat(IdleTimer.idle(timeout("30m"), ready(null, "2026-11-01T09:00:00Z", null), NOW)).isFalse();
        assertThat(IdleTimer.idle(timeout("30m"), null, NOW)).isFalse();
    }

    @Test
    void theTimeoutIsSpelledAsGoAndCelDo() {
        assertThat(IdleTimer.timeout(timeout("1h30m"))).contains(Duration.ofMinutes(90));
        assertThat(IdleTimer.timeout(timeout("90s"))).contains(Duration.ofSeconds(90));
    }
}
