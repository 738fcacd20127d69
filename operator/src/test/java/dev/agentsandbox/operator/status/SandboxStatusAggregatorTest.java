package dev.agentsandbox.operator.status;

import dev.agentsandbox.operator.api.v1alpha1.AgentCpuStatus;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxStatus;
import dev.agentsandbox.operator.api.v1alpha1.EgressStatus;
import dev.agentsandbox.operator.api.v1alpha1.ModelUsageStatus;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import dev.agentsandbox.operator.api.v1alpha1.EgressEnforcement;
import dev.agentsandbox.operator.plan.EffectiveEnforcement;
import dev.agentsandbox.operator.plan.LifecycleState.Stage;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SandboxStatusAggregatorTest {

    private static final Instant T1 = Instant.parse("2026-11-01T10:00:00Z");
    private static final Instant T2 = Instant.parse("2026-11-01T11:00:00Z");

    private static final List<CheckResult> PASSING = List.of(
            CheckResult.passed("RuntimeReady", "RuntimeClassFound", "ok"),
            CheckResult.passed("CredentialsReady", "SecretsFound", "ok"),
            CheckResult.passed("ModelRunnerReady", "NoModel", "ok"),
            CheckResult.passed("EgressReady", "EnforcementGranted", "ok"));
    private static final EffectiveEnforcement AS_REQUESTED = EffectiveEnforcement.asRequested(EgressEnforcement.IPTABLES);

    private static Pod readyPod() {
        return new PodBuilder().withNewMetadata().withName("a-sandbox").endMetadata()
                .withNewSpec().withNodeName("node-a").endSpec()
                .withNewStatus().withPodIP("10.1.2.3").withPhase("Running")
                .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build();
    }

    private static StatusInputs inputs(List<CheckResult> checks, Stage stage, Pod pod) {
        return new StatusInputs(3, "kata", checks, AS_REQUESTED, stage, pod, null, false, true, List.of(), null, null);
    }

    private static SandboxCondition condition(AgentSandboxStatus status, String type) {
        return status.getConditions().stream().filter(c -> c.type().equals(type)).findFirst().orElseThrow();
    }

    @Test
    void readyPodMakesAReadySandbox() {
        AgentSandboxStatus status = SandboxStatusAggregator.aggregate(inputs(PASSING, Stage.RUNNING, readyPod()),
                null, T1);

        assertThat(status.getPhase()).isEqualTo(SandboxPhase.READY);
        assertThat(status.getObservedGeneration()).isEqualTo(3L);
        assertThat(status.getPodName()).isEqualTo("a-sandbox");
        assertThat(status.getPodIP()).isEqualTo("10.1.2.3");
        assertThat(status.getNodeName()).isEqualTo("node-a");
        assertThat(status.getRuntimeClassName()).isEqualTo("kata");
        assertThat(status.getConditions()).extracting(SandboxCondition::type).containsExactly("Ready",
                "RuntimeReady", "CredentialsReady", "ModelRunnerReady", "EgressReady", "WorkspaceReady");
        assertThat(status.getConditions()).allSatisfy(c -> {
            assertThat(c.status()).isEqualTo("True");
            assertThat(c.observedGeneration()).isEqualTo(3L);
            assertThat(c.lastTransitionTime()).isEqualTo(T1.toString());
        });
    }

    @Test
    void lastTransitionTimeMovesOnlyWhenTheStatusChanges() {
        AgentSandboxStatus first = SandboxStatusAggregator.aggregate(inputs(PASSING, Stage.RUNNING, readyPod()),
                null, T1);
        List<CheckResult> failing = List.of(PASSING.get(0),
                CheckResult.failed("CredentialsReady", "SecretNotFound", "Secret x"), PASSING.get(2));

        AgentSandboxStatus unchanged = SandboxStatusAggregator.aggregate(inputs(PASSING, Stage.RUNNING, readyPod()),
                first, T2);
        AgentSandboxStatus changed = SandboxStatusAggregator.aggregate(inputs(failing, Stage.RUNNING, readyPod()),
                first, T2);

        assertThat(unchanged).isEqualTo(first);
        assertThat(condition(changed, "CredentialsReady").lastTransitionTime()).isEqualTo(T2.toString());
        assertThat(condition(changed, "RuntimeReady").lastTransitionTime()).isEqualTo(T1.toString());
        assertThat(condition(changed, "Ready").status()).isEqualTo("False");
        assertThat(condition(changed, "Ready").reason()).isEqualTo("SecretNotFound");
        assertThat(changed.getPhase()).isEqualTo(SandboxPhase.FAILED);
    }

    @Test
    void transitionTimesAreWholeSeconds() {
        AgentSandboxStatus status = SandboxStatusAggregator.aggregate(inputs(PASSING, Stage.RUNNING, readyPod()),
                null, T1.plusNanos(410_535_014));

        assertThat(status.getConditions()).allSatisfy(c -> assertThat(c.lastTransitionTime()).isEqualTo("2026-11-01T10:00:00Z"));
    }

    @Test
    void phaseFollowsTheLifecycleAndThePod() {
        assertThat(SandboxStatusAggregator.aggregate(inputs(PASSING, Stage.PAUSED, null), null, T1).getPhase())
                .isEqualTo(SandboxPhase.PAUSED);
        assertThat(SandboxStatusAggregator.aggregate(inputs(PASSING, Stage.EXPIRED, null), null, T1).getPhase())
                .isEqualTo(SandboxPhase.EXPIRED);
        assertThat(SandboxStatusAggregator.aggregate(inputs(PASSING, Stage.RUNNING, null), null, T1).getPhase())
                .isEqualTo(SandboxPhase.PENDING);
        Pod starting = new PodBuilder(readyPod()).editStatus().withConditions().endStatus().build();
        assertThat(SandboxStatusAggregator.aggregate(inputs(PASSING, Stage.RUNNING, starting), null, T1).getPhase())
                .isEqualTo(SandboxPhase.STARTING);
    }

    @Test
    void sidecarCountersAreTakenWhenReadAndKeptWhenNot() {
        EgressStatus counted = new EgressStatus(120L, 3L, List.of());
        ModelUsageStatus usage = new ModelUsageStatus(41L, 91234L, 10233L, 2L);
        StatusInputs read = new StatusInputs(3, "kata", PASSING, AS_REQUESTED, Stage.RUNNING, readyPod(), null,
                false, true, List.of(), counted, usage);

        AgentSandboxStatus first = SandboxStatusAggregator.aggregate(read, null, T1);
        AgentSandboxStatus unread = SandboxStatusAggregator.aggregate(inputs(PASSING, Stage.RUNNING, readyPod()),
                first, T2);

        assertThat(first.getEgress()).isEqualTo(counted);
        assertThat(first.getModel()).isEqualTo(usage);
        assertThat(unread.getEgress()).isEqualTo(counted);
        assertThat(unread.getModel()).isEqualTo(usage);
    }

    @Test
    void anUpstreamRejectionTurnsCredentialsReadyFalseButLeavesTheSandboxReady() {
        EgressStatus rejected = new EgressStatus(7L, 0L, List.of(), List.of(new EgressStatus.CredentialAnswer(
                "api.anthropic.com", "anthropic", 401, "2026-11-01T10:00:00Z")));
        StatusInputs read = new StatusInputs(3, "kata", PASSING, AS_REQUESTED, Stage.RUNNING, readyPod(), null,
                false, true, List.of(), rejected, null);

        AgentSandboxStatus first = SandboxStatusAggregator.aggregate(read, null, T1);
        // The proxy cannot be read this time: the last report, and so the rejection, stands.
        AgentSandboxStatus unread = SandboxStatusAggregator.aggregate(inputs(PASSING, Stage.RUNNING, readyPod()),
                first, T2);

        for (AgentSandboxStatus status : List.of(first, unread)) {
            assertThat(condition(status, "CredentialsReady")).satisfies(c -> {
                assertThat(c.status()).isEqualTo("False");
                assertThat(c.reason()).isEqualTo("UpstreamRejected");
                assertThat(c.message()).contains("api.anthropic.com answered 401");
            });
            assertThat(status.getPhase()).isEqualTo(SandboxPhase.READY);
        }
    }

    @Test
    void aSandboxPausedForIdlenessSaysSo() {
        AgentSandboxStatus paused = SandboxStatusAggregator.aggregate(idled(null), null, T1);
        AgentSandboxStatus byHand = SandboxStatusAggregator.aggregate(inputs(PASSING, Stage.PAUSED, null), paused, T2);

        assertThat(condition(paused, "Ready").reason()).isEqualTo("Idle");
        assertThat(condition(paused, "Ready").message()).contains("for 30m (spec.lifecycle.idleTimeout)");
        assertThat(paused.getPhase()).isEqualTo(SandboxPhase.PAUSED);
        assertThat(condition(byHand, "Ready").reason()).as("paused, not for idleness").isEqualTo("Paused");
    }

    @Test
    void theAgentsCpuIsInTheStatusAndInTheIdleMessageWhenItCounted() {
        AgentCpuStatus counted = AgentCpuStatus.counted("2026-11-01T10:00:00Z");
        AgentCpuStatus notServed = AgentCpuStatus.notCounted(null, "the metrics.k8s.io API is not served");

        AgentSandboxStatus withCpu = SandboxStatusAggregator.aggregate(idled(counted), null, T1);
        AgentSandboxStatus withoutCpu = SandboxStatusAggregator.aggregate(idled(notServed), null, T1);

        assertThat(withCpu.getAgentCpu()).isEqualTo(counted);
        assertThat(condition(withCpu, "Ready").message()).contains("no agent CPU use above"
                + " spec.lifecycle.idleCpuThreshold for 30m (spec.lifecycle.idleTimeout)");
        assertThat(withoutCpu.getAgentCpu()).isEqualTo(notServed);
        assertThat(condition(withoutCpu, "Ready").message()).doesNotContain("CPU")
                .contains("no model call for 30m (spec.lifecycle.idleTimeout)");
    }

    private static StatusInputs idled(AgentCpuStatus cpu) {
        return new StatusInputs(3, "kata", PASSING, AS_REQUESTED, Stage.PAUSED, null, null, false, true, List.of(),
                null, null, List.of(), SidecarRestarts.UNKNOWN, "30m", cpu, null, null);
    }

    @Test
    void refusedEnforcementIsTheOneEgressReadyConditionAndFailsTheSandbox() {
        List<CheckResult> refused = List.of(PASSING.get(0), PASSING.get(1), PASSING.get(2),
                CheckResult.failed("EgressReady", "WeakerEnforcementNotAllowed", "spec.egress.enforcement x"));
        StatusInputs nothingApplied = new StatusInputs(3, "kata", refused, AS_REQUESTED, Stage.RUNNING, null, null,
                false, false, List.of(), null, null);

        AgentSandboxStatus status = SandboxStatusAggregator.aggregate(nothingApplied, null, T1);

        assertThat(status.getConditions()).extracting(SandboxCondition::type).containsExactly("Ready",
                "RuntimeReady", "CredentialsReady", "ModelRunnerReady", "EgressReady", "WorkspaceReady");
        assertThat(condition(status, "EgressReady")).satisfies(c -> {
            assertThat(c.status()).isEqualTo("False");
            assertThat(c.reason()).isEqualTo("WeakerEnforcementNotAllowed");
            assertThat(c.message()).isEqualTo("spec.egress.enforcement x");
        });
        assertThat(condition(status, "Ready").reason()).isEqualTo("WeakerEnforcementNotAllowed");
        assertThat(status.getPhase()).isEqualTo(SandboxPhase.FAILED);
    }

    @Test
    void iptablesFallbackIsReadyButSaysWhatIsLost() {
        EffectiveEnforcement fallback = new EffectiveEnforcement(EgressEnforcement.NETWORK_POLICY,
                EffectiveEnforcement.Outcome.IPTABLES_UNSUPPORTED, "RuntimeClass gvisor (handler runsc) cannot ...");
        StatusInputs applied = new StatusInputs(3, "gvisor", PASSING, fallback, Stage.RUNNING, readyPod(), null,
                false, true, List.of(), null, null);
        StatusInputs pending = new StatusInputs(3, "gvisor", PASSING, fallback, Stage.RUNNING, null, null,
                false, false, List.of(), null, null);

        SandboxCondition egress = condition(SandboxStatusAggregator.aggregate(applied, null, T1), "EgressReady");
        SandboxCondition notYet = condition(SandboxStatusAggregator.aggregate(pending, null, T1), "EgressReady");

        assertThat(egress.status()).isEqualTo("True");
        assertThat(egress.reason()).isEqualTo("NetworkPolicyOnly");
        assertThat(egress.message()).isEqualTo(fallback.message());
        assertThat(notYet.status()).isEqualTo("False");
        assertThat(notYet.reason()).isEqualTo("PolicyPending");
        assertThat(SandboxStatusAggregator.aggregate(applied, null, T1).getPhase()).isEqualTo(SandboxPhase.READY);
    }

    /** Another policy's egress rules undo the operator's: not ready, naming each, and ready again once gone. */
    @Test
    void aWideningNetworkPolicyMakesEgressNotReadyNamingItUntilItGoes() {
        StatusInputs widened = new StatusInputs(3, "gvisor", PASSING, AS_REQUESTED, Stage.RUNNING, readyPod(), null,
                false, true, List.of("allow-all-egress", "team-web"), null, null);
        StatusInputs cleared = new StatusInputs(3, "gvisor", PASSING, AS_REQUESTED, Stage.RUNNING, readyPod(), null,
                false, true, List.of(), null, null);

        AgentSandboxStatus status = SandboxStatusAggregator.aggregate(widened, null, T1);
        SandboxCondition egress = condition(status, "EgressReady");
        assertThat(egress.status()).isEqualTo("False");
        assertThat(egress.reason()).isEqualTo("EgressWidened");
        assertThat(egress.message()).contains("allow-all-egress, team-web").contains("add up");
        assertThat(status.getPhase()).as("the pod still runs: the sandbox is reported, not stopped")
                .isEqualTo(SandboxPhase.READY);

        SandboxCondition after = condition(SandboxStatusAggregator.aggregate(cleared, status, T2), "EgressReady");
        assertThat(after.status()).isEqualTo("True");
        assertThat(after.reason()).isEqualTo("PolicyApplied");
    }

    @Test
    void claimedWorkspaceIsReadyOnlyWhenBound() {
        StatusInputs unbound = new StatusInputs(1, "kata", PASSING, AS_REQUESTED, Stage.RUNNING, null,
                new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder().withNewMetadata()
                        .withName("a-workspace").endMetadata().withNewStatus().withPhase("Pending").endStatus().build(),
                true, true, List.of(), null, null);

        SandboxCondition workspace = condition(SandboxStatusAggregator.aggregate(unbound, null, T1), "WorkspaceReady");

        assertThat(workspace.status()).isEqualTo("False");
        assertThat(workspace.reason()).isEqualTo("ClaimNotBound");
        assertThat(workspace.message()).contains("a-workspace");
    }

    @Test
    void aNotReadyPodsConditionNamesTheContainerThatCannotStart() {
        Pod noShell = new PodBuilder().withNewMetadata().withName("a-sandbox").endMetadata().withNewSpec().endSpec()
                .withNewStatus().withPhase("Pending")
                .addNewInitContainerStatus().withName("egress-proxy").withNewState().withNewRunning().endRunning()
                .endState().endInitContainerStatus()
                .addNewInitContainerStatus().withName("trust-bundle").withNewState().withNewWaiting()
                .withReason("CrashLoopBackOff").withMessage("back-off 20s restarting failed container").endWaiting()
                .endState().withNewLastState().withNewTerminated().withExitCode(128).withReason("StartError")
                .withMessage("exec: \"/bin/sh\": stat /bin/sh: no such file or directory").endTerminated()
                .endLastState().endInitContainerStatus()
                .addNewContainerStatus().withName("agent").withNewState().withNewWaiting().withReason("PodInitializing")
                .endWaiting().endState().endContainerStatus().endStatus().build();
        Pod starting = new PodBuilder(noShell).editStatus().withInitContainerStatuses().endStatus().build();

        SandboxCondition ready = condition(SandboxStatusAggregator.aggregate(
                inputs(PASSING, Stage.RUNNING, noShell), null, T1), "Ready");

        assertThat(ready.reason()).isEqualTo("PodNotReady");
        assertThat(ready.message()).isEqualTo("pod a-sandbox is not ready yet (phase Pending): container trust-bundle"
                + " CrashLoopBackOff (exited 128 StartError: exec: \"/bin/sh\": stat /bin/sh: no such file or"
                + " directory)");
        assertThat(condition(SandboxStatusAggregator.aggregate(inputs(PASSING, Stage.RUNNING, starting), null, T1),
                "Ready").message()).as("a container on its way up is no failure")
                .isEqualTo("pod a-sandbox is not ready yet (phase Pending)");
    }
}
