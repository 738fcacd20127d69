package dev.agentsandbox.operator.plan;

import dev.agentsandbox.operator.api.v1alpha1.LifecycleMode;
import dev.agentsandbox.operator.api.v1alpha1.LifecycleSpec;
import dev.agentsandbox.operator.api.v1alpha1.ShutdownPolicy;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class LifecycleStateTest {

    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

    private static LifecycleSpec spec(LifecycleMode mode, String shutdown, ShutdownPolicy policy) {
        LifecycleSpec spec = new LifecycleSpec();
        spec.setMode(mode);
        spec.setShutdownTime(shutdown);
        spec.setShutdownPolicy(policy);
        return spec;
    }

    @Test
    void noLifecycleMeansRunningForever() {
        LifecycleState state = LifecycleState.at(null, NOW);

        assertThat(state.stage()).isEqualTo(LifecycleState.Stage.RUNNING);
        assertThat(state.podWanted()).isTrue();
        assertThat(state.nextShutdownCheck()).isEmpty();
    }

    @Test
    void pausedWantsNoPod() {
        assertThat(LifecycleState.at(spec(LifecycleMode.PAUSED, null, ShutdownPolicy.PAUSE), NOW).podWanted())
                .isFalse();
    }

    @Test
    void aFutureShutdownSchedulesTheNextCheckForThatInstant() {
        LifecycleState state = LifecycleState.at(spec(LifecycleMode.RUNNING, "2026-11-23T13:30:00+01:00",
                ShutdownPolicy.PAUSE), NOW);

        assertThat(state.stage()).isEqualTo(LifecycleState.Stage.RUNNING);
        assertThat(state.nextShutdownCheck()).contains(Duration.ofMinutes(30));
    }

    @Test
    void aPassedShutdownExpiresByPolicy() {
        assertThat(LifecycleState.at(spec(LifecycleMode.RUNNING, "2026-11-23T12:00:00Z", ShutdownPolicy.PAUSE), NOW)
                .stage()).isEqualTo(LifecycleState.Stage.EXPIRED);
        assertThat(LifecycleState.at(spec(LifecycleMode.PAUSED, "2026-11-01T00:00:00Z", ShutdownPolicy.DELETE), NOW)
                .stage()).isEqualTo(LifecycleState.Stage.EXPIRED_DELETE);
    }
}
