package dev.agentsandbox.operator.status;

import dev.agentsandbox.operator.api.v1alpha1.AgentExitStatus;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxStatus;
import dev.agentsandbox.operator.api.v1alpha1.EgressEnforcement;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import dev.agentsandbox.operator.plan.EffectiveEnforcement;
import dev.agentsandbox.operator.plan.LifecycleState.Stage;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The agent's end read from its pod, and what the status and the Events say about it. */
class AgentExitsTest {

    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00.123Z");
    private static final List<CheckResult> PASSING = List.of(
            CheckResult.passed("RuntimeReady", "RuntimeClassFound", "ok"));

    /** A pod as the kubelet leaves it once its only regular container, the agent, has ended. */
    private static Pod ended(String restartPolicy, String phase, Integer exitCode) {
        PodBuilder pod = new PodBuilder().withNewMetadata().withName("call-sandbox").endMetadata()
                .withNewSpec().withRestartPolicy(restartPolicy).endSpec()
                .withNewStatus().withPhase(phase).endStatus();
        if (exitCode != null) {
            pod.editStatus().addNewContainerStatus().withName("agent").withNewState().withNewTerminated()
                    .withExitCode(exitCode).withReason(exitCode == 0 ? "Completed" : "Error")
                    .withFinishedAt("2026-12-06T11:59:58Z").endTerminated().endState().endContainerStatus()
                    .endStatus();
        }
        return pod.build();
    }

    @Test
    void aPodThatMayNotRestartItsAgentAndHasEndedIsTheAgentsEnd() {
        assertThat(AgentExits.of(null, ended("Never", "Succeeded", 0), NOW))
                .contains(new AgentExitStatus(0, "Completed", "2026-12-06T11:59:58Z"));
        assertThat(AgentExits.of(null, ended("Never", "Failed", 3), NOW))
                .contains(new AgentExitStatus(3, "Error", "2026-12-06T11:59:58Z"));
        assertThat(AgentExits.of(null, ended("OnFailure", "Succeeded", 0), NOW)).isPresent();
    }

    @Test
    void aRunningPodOrOneThatRestartsItsAgentIsNoEnd() {
        assertThat(AgentExits.of(null, ended("Never", "Running", 0), NOW)).isEmpty();
        // An evicted pod under Always is Failed, but that is not the agent's end.
        assertThat(AgentExits.of(null, ended("Always", "Failed", null), NOW)).isEmpty();
        assertThat(AgentExits.of(null, null, NOW)).isEmpty();
    }

    @Test
    void aPodThatFailedBeforeTheAgentRanEndsItWithoutAnExitCode() {
        Pod evicted = new PodBuilder(ended("Never", "Failed", null)).editStatus().withReason("Evicted").endStatus()
                .build();

        Optional<AgentExitStatus> exit = AgentExits.of(null, evicted, NOW);

        assertThat(exit).contains(new AgentExitStatus(null, "Evicted", "2026-12-06T12:00:00Z"));
        assertThat(exit.get().succeeded()).isFalse();
    }

    @Test
    void theRecordedEndStaysWhateverBecomesOfThePod() {
        AgentSandboxStatus recorded = new AgentSandboxStatus();
        AgentExitStatus exit = new AgentExitStatus(0, "Completed", "2026-12-06T11:00:00Z");
        recorded.setAgentExit(exit);

        assertThat(AgentExits.of(recorded, null, NOW)).contains(exit);
        assertThat(AgentExits.of(recorded, ended("Never", "Failed", 1), NOW)).contains(exit);
        assertThat(AgentExits.finishedAt(Optional.of(exit))).isEqualTo(Instant.parse("2026-12-06T11:00:00Z"));
    }

    private static AgentSandboxStatus finished(Pod pod, AgentSandboxStatus previous) {
        AgentExitStatus exit = AgentExits.of(previous, pod, NOW).orElseThrow();
        return SandboxStatusAggregator.aggregate(new StatusInputs(2, "kata", PASSING,
                EffectiveEnforcement.asRequested(EgressEnforcement.IPTABLES), Stage.FINISHED, pod, null, false, true,
                List.of(), null, null, List.of(), SidecarRestarts.UNKNOWN, null, null, null, exit), previous, NOW);
    }

    private static SandboxCondition ready(AgentSandboxStatus status) {
        return status.getConditions().stream().filter(c -> c.type().equals("Ready")).findFirst().orElseThrow();
    }

    @Test
    void anExit0SucceedsTheSandboxWithANormalEventOnce() {
        AgentSandboxStatus running = new AgentSandboxStatus();
        running.setPhase(SandboxPhase.READY);
        running.setConditions(List.of(new SandboxCondition("Ready", "True", "PodReady", "pod is ready",
                "2026-12-06T11:00:00Z", 2L)));

        AgentSandboxStatus status = finished(ended("Never", "Succeeded", 0), running);

        assertThat(status.getPhase()).isEqualTo(SandboxPhase.SUCCEEDED);
        assertThat(status.getAgentExit().exitCode()).isZero();
        assertThat(ready(status).status()).isEqualTo("False");
        assertThat(ready(status).reason()).isEqualTo("AgentSucceeded");
        assertThat(ready(status).message()).startsWith("the agent exited 0 (Completed) at 2026-12-06T11:59:58Z and is"
                + " not restarted").contains("kubectl logs call-sandbox -c agent");
        assertThat(TransitionAnnouncements.between(running, status, PASSING))
                .containsExactly(new TransitionAnnouncements.Announcement(false, "AgentSucceeded",
                        ready(status).message()));
        assertThat(TransitionAnnouncements.between(status, finished(null, status), PASSING)).isEmpty();
    }

    @Test
    void aNonZeroExitFailsTheSandboxWithAWarningAndNoInputCheckOutranksIt() {
        AgentSandboxStatus status = finished(ended("Never", "Failed", 7), null);

        assertThat(status.getPhase()).isEqualTo(SandboxPhase.FAILED);
        assertThat(ready(status).reason()).isEqualTo("AgentFailed");
        assertThat(ready(status).message()).startsWith("the agent exited 7 (Error)");
        assertThat(TransitionAnnouncements.between(null, status, PASSING))
                .containsExactly(new TransitionAnnouncements.Announcement(true, "AgentFailed",
                        ready(status).message()));

        List<CheckResult> failing = List.of(CheckResult.failed("CredentialsReady", "SecretNotFound", "Secret x"));
        AgentSandboxStatus later = SandboxStatusAggregator.aggregate(new StatusInputs(2, "kata", failing,
                EffectiveEnforcement.asRequested(EgressEnforcement.IPTABLES), Stage.FINISHED, null, null, false, true,
                List.of(), null, null, List.of(), SidecarRestarts.UNKNOWN, null, null, null, status.getAgentExit()),
                status, NOW);
        assertThat(ready(later).reason()).isEqualTo("AgentFailed");
        assertThat(later.getAgentExit()).isEqualTo(status.getAgentExit());
    }
}
