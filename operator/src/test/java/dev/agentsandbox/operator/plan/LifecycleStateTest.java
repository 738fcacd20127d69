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
    private static final Instant CREATED = NOW.minusSeconds(100);

    private static LifecycleSpec spec(LifecycleMode mode, String shutdown, ShutdownPolicy policy) {
        LifecycleSpec spec = new LifecycleSpec();
        spec.setMode(mode);
        spec.setShutdownTime(shutdown);
        spec.setShutdownPolicy(policy);
        return spec;
    }

    @Test
    void noLifecycleMeansRunningForever() {
        LifecycleState state = LifecycleState.at(null, NOW, NOW);

        assertThat(state.stage()).isEqualTo(LifecycleState.Stage.RUNNING);
        assertThat(state.podWanted()).isTrue();
        assertThat(state.nextShutdownCheck()).isEmpty();
    }

    @Test
    void pausedWantsNoPod() {
        assertThat(LifecycleState.at(spec(LifecycleMode.PAUSED, null, ShutdownPolicy.PAUSE), CREATED, NOW).podWanted())
                .isFalse();
    }

    @Test
    void aFutureShutdownSchedulesTheNextCheckForThatInstant() {
        LifecycleState state = LifecycleState.at(spec(LifecycleMode.RUNNING, "2026-11-23T13:30:00+01:00",
                ShutdownPolicy.PAUSE), CREATED, NOW);

        assertThat(state.stage()).isEqualTo(LifecycleState.Stage.RUNNING);
        assertThat(state.nextShutdownCheck()).contains(Duration.ofMinutes(30));
    }

    @Test
    void aPassedShutdownExpiresByPolicy() {
        assertThat(LifecycleState.at(spec(LifecycleMode.RUNNING, "2026-11-23T12:00:00Z", ShutdownPolicy.PAUSE), CREATED, NOW)
                .stage()).isEqualTo(LifecycleState.Stage.EXPIRED);
        assertThat(LifecycleState.at(spec(LifecycleMode.PAUSED, "2026-11-01T00:00:00Z", ShutdownPolicy.DELETE), CREATED, NOW)
                .stage()).isEqualTo(LifecycleState.Stage.EXPIRED_DELETE);
    }

    private static LifecycleSpec deadline(long seconds, String shutdown, ShutdownPolicy policy) {
        LifecycleSpec spec = spec(LifecycleMode.RUNNING, shutdown, policy);
        spec.setActiveDeadlineSeconds(seconds);
        return spec;
    }

    @Test
    void anActiveDeadlineCountsFromCreationAndSchedulesTheCheckForItsEnd() {
        LifecycleState state = LifecycleState.at(deadline(130, null, ShutdownPolicy.DELETE), CREATED, NOW);

        assertThat(state.stage()).isEqualTo(LifecycleState.Stage.RUNNING);
        assertThat(state.nextShutdownCheck()).contains(Duration.ofSeconds(30));
    }

    @Test
    void aPassedActiveDeadlineExpiresByPolicyAndNamesTheField() {
        LifecycleState deleted = LifecycleState.at(deadline(100, null, ShutdownPolicy.DELETE), CREATED, NOW);
        LifecycleState paused = LifecycleState.at(deadline(60, null, ShutdownPolicy.PAUSE), CREATED, NOW);

        assertThat(deleted.stage()).isEqualTo(LifecycleState.Stage.EXPIRED_DELETE);
        assertThat(deleted.expiredBy()).isEqualTo("spec.lifecycle.activeDeadlineSeconds 100");
        assertThat(paused.stage()).isEqualTo(LifecycleState.Stage.EXPIRED);
        assertThat(paused.podWanted()).isFalse();
    }

    @Test
    void theEarlierOfShutdownTimeAndActiveDeadlineWins() {
        // shutdownTime in 10 minutes, the deadline in 5 seconds: the deadline is the end.
        assertThat(LifecycleState.at(deadline(105, "2026-11-23T12:10:00Z", ShutdownPolicy.PAUSE), CREATED, NOW)
                .nextShutdownCheck()).contains(Duration.ofSeconds(5));
        // The deadline in an hour, shutdownTime passed: shutdownTime ended it.
        LifecycleState expired = LifecycleState.at(deadline(3600, "2026-11-23T11:59:00Z", ShutdownPolicy.PAUSE),
                CREATED, NOW);
        assertThat(expired.stage()).isEqualTo(LifecycleState.Stage.EXPIRED);
        assertThat(expired.expiredBy()).isEqualTo("spec.lifecycle.shutdownTime 2026-11-23T11:59:00Z");
    }

    @Test
    void noCreationTimeYetMeansNoDeadlineYet() {
        LifecycleState state = LifecycleState.at(deadline(1, null, ShutdownPolicy.DELETE), null, NOW);

        assertThat(state.stage()).isEqualTo(LifecycleState.Stage.RUNNING);
        assertThat(state.nextShutdownCheck()).isEmpty();
    }

    private static LifecycleSpec ttlAfterFinished(long seconds) {
        LifecycleSpec spec = spec(LifecycleMode.RUNNING, null, ShutdownPolicy.PAUSE);
        spec.setTtlSecondsAfterFinished(seconds);
        return spec;
    }

    @Test
    void anEndedAgentFinishesTheSandboxAndItsTtlSchedulesTheDeletion() {
        LifecycleState finished = LifecycleState.at(ttlAfterFinished(30), CREATED, NOW.minusSeconds(10), NOW);

        assertThat(finished.stage()).isEqualTo(LifecycleState.Stage.FINISHED);
        assertThat(finished.finished()).isTrue();
        assertThat(finished.podWanted()).isFalse();
        assertThat(finished.nextShutdownCheck()).contains(Duration.ofSeconds(20));
        // Not before the agent ended: the TTL counts from its end, not from creation.
        assertThat(LifecycleState.at(ttlAfterFinished(30), CREATED, null, NOW).stage())
                .isEqualTo(LifecycleState.Stage.RUNNING);
        assertThat(LifecycleState.at(ttlAfterFinished(30), CREATED, null, NOW).nextShutdownCheck()).isEmpty();
    }

    @Test
    void theTtlAfterTheAgentsEndDeletesTheSandboxWhateverShutdownPolicySays() {
        LifecycleState deleted = LifecycleState.at(ttlAfterFinished(30), CREATED, NOW.minusSeconds(30), NOW);

        assertThat(deleted.stage()).isEqualTo(LifecycleState.Stage.EXPIRED_DELETE);
        assertThat(deleted.deletion()).isEqualTo("spec.lifecycle.ttlSecondsAfterFinished 30 passed since the agent"
                + " ended: deleting the sandbox");
        assertThat(LifecycleState.at(ttlAfterFinished(0), CREATED, NOW, NOW).stage())
                .isEqualTo(LifecycleState.Stage.EXPIRED_DELETE);
        assertThat(LifecycleState.at(deadline(100, null, ShutdownPolicy.DELETE), CREATED, NOW).deletion())
                .isEqualTo("spec.lifecycle.activeDeadlineSeconds 100 passed: deleting the sandbox (shutdownPolicy"
                        + " Delete)");
    }

    @Test
    void withoutATtlAnEndedSandboxStaysAndItsEndOutranksPause() {
        LifecycleState kept = LifecycleState.at(spec(LifecycleMode.PAUSED, null, ShutdownPolicy.PAUSE), CREATED,
                NOW.minusSeconds(3600), NOW);

        assertThat(kept.stage()).isEqualTo(LifecycleState.Stage.FINISHED);
        assertThat(kept.nextShutdownCheck()).isEmpty();
        assertThat(LifecycleState.at(null, CREATED, NOW, NOW).stage()).isEqualTo(LifecycleState.Stage.FINISHED);
    }
}
