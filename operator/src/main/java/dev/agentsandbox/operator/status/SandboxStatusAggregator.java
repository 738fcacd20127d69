package dev.agentsandbox.operator.status;

import dev.agentsandbox.operator.api.v1alpha1.AgentExitStatus;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxStatus;
import dev.agentsandbox.operator.api.v1alpha1.EgressStatus;
import dev.agentsandbox.operator.api.v1alpha1.ModelUsageStatus;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import dev.agentsandbox.operator.plan.LifecycleState.Stage;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Turns what a reconcile observed into {@code status}: the phase, the six conditions, the pod's whereabouts. */
public final class SandboxStatusAggregator {

    /** The Ready reason of a sandbox the operator paused for idleness (spec.lifecycle.idleTimeout). */
    public static final String IDLE = "Idle";
    /** The Ready reasons of a sandbox whose agent ended for good: exit 0, or anything else. */
    public static final String AGENT_SUCCEEDED = "AgentSucceeded";
    public static final String AGENT_FAILED = "AgentFailed";

    /** A container on its way up: not a failure to report. */
    private static final Set<String> QUIET_WAITING_REASONS = Set.of("ContainerCreating",
            "PodInitializing");

    private SandboxStatusAggregator() {
    }

    public static AgentSandboxStatus aggregate(StatusInputs in, AgentSandboxStatus previous, Instant now) {
        List<SandboxCondition> before = previous == null ? List.of() : previous.getConditions();
        long generation = in.generation();
        Optional<CheckResult> firstFailure = in.checks().stream().filter(c -> !c.passed()).findFirst();

        // The sidecars' counters survive a reconcile that could not read them (pod gone, sidecar slow).
        EgressStatus egress = in.egress() != null ? in.egress() : previous == null ? null : previous.getEgress();

        List<SandboxCondition> conditions = new ArrayList<>();
        conditions.add(ready(in, firstFailure, before, now));
        for (CheckResult check : in.checks()) {
            if (EgressReadiness.TYPE.equals(check.conditionType())) {
                continue; // EgressReady also depends on what was applied
            }
            // A Secret found is not a value accepted: an upstream may refuse it. That never blocks the pod (the
            // input check alone does), it only shows in the condition.
            CheckResult verdict = ConditionTypes.CREDENTIALS_READY.equals(check.conditionType())
                    ? UpstreamCredentials.judge(check, egress, in.credentialSecrets()) : check;
            conditions.add(Conditions.of(before, verdict.conditionType(), verdict.passed(), verdict.reason(),
                    verdict.message(), generation, now));
        }
        conditions.add(EgressReadiness.condition(in, firstFailure.isPresent(), before, now));
        conditions.add(workspace(in, before, now));
        warmStart(in, before, now).ifPresent(conditions::add);

        AgentSandboxStatus status = new AgentSandboxStatus();
        status.setObservedGeneration(generation);
        status.setRuntimeClassName(in.runtimeClassName());
        status.setConditions(conditions);
        status.setPhase(phase(in, firstFailure.isPresent()));
        if (in.pod() != null) {
            status.setPodName(in.pod().getMetadata().getName());
            if (in.pod().getStatus() != null) {
                status.setPodIP(in.pod().getStatus().getPodIP());
            }
            status.setNodeName(in.pod().getSpec().getNodeName());
        }
        ModelUsageStatus model = in.model() != null ? in.model() : previous == null ? null : previous.getModel();
        // A restart count is the pod's: kept while there is no pod, like the counters.
        status.setEgress(egress == null || in.restarts().proxy() == null ? egress
                : egress.withRestarts(in.restarts().proxy()));
        status.setModel(model == null || in.restarts().bridge() == null ? model
                : model.withRestarts(in.restarts().bridge()));
        status.setAgentCpu(in.agentCpu());
        status.setAgentExit(in.agentExit());
        return status;
    }

    static SandboxPhase phase(StatusInputs in, boolean inputFailed) {
        // The agent's end is final: what an input check says afterwards changes nothing.
        if (in.stage() == Stage.FINISHED) {
            return in.agentExit().succeeded() ? SandboxPhase.SUCCEEDED : SandboxPhase.FAILED;
        }
        if (inputFailed) {
            return SandboxPhase.FAILED;
        }
        return switch (in.stage()) {
            case PAUSED -> SandboxPhase.PAUSED;
            case FINISHED -> throw new IllegalStateException("handled above");
            case EXPIRED, EXPIRED_DELETE -> SandboxPhase.EXPIRED;
            case RUNNING -> in.pod() == null ? SandboxPhase.PENDING
                    : podReady(in.pod()) ? SandboxPhase.READY : SandboxPhase.STARTING;
        };
    }

    private static SandboxCondition ready(StatusInputs in, Optional<CheckResult> firstFailure,
                                          List<SandboxCondition> before, Instant now) {
        String type = ConditionTypes.READY;
        long generation = in.generation();
        if (in.stage() == Stage.FINISHED) {
            return agentEnded(in, before, now);
        }
        if (firstFailure.isPresent()) {
            return Conditions.of(before, type, false, firstFailure.get().reason(), firstFailure.get().message(),
                    generation, now);
        }
        if (in.stage() == Stage.PAUSED) {
            if (in.idledAfter() != null) {
                boolean cpuCounted = in.agentCpu() != null && Boolean.TRUE.equals(in.agentCpu().counted());
                return Conditions.of(before, type, false, IDLE, "no request through the egress proxy"
                        + (cpuCounted ? ", no model call and no agent CPU use above spec.lifecycle.idleCpuThreshold"
                        : " and no model call") + " for " + in.idledAfter() + " (spec.lifecycle.idleTimeout): paused,"
                        + " the pod is deleted"
                        + " and the workspace kept; set spec.lifecycle.mode to Running to resume", generation, now);
            }
            return Conditions.of(before, type, false, "Paused", "spec.lifecycle.mode is Paused: the pod is"
                    + " deleted, the workspace kept", generation, now);
        }
        if (in.stage() != Stage.RUNNING) {
            return Conditions.of(before, type, false, "Expired", "the sandbox's lifetime is over"
                    + " (spec.lifecycle.shutdownTime or activeDeadlineSeconds passed): the pod is deleted",
                    generation, now);
        }
        if (in.pod() == null) {
            return Conditions.of(before, type, false, "PodCreating", "pod is being created", generation, now);
        }
        String podName = in.pod().getMetadata().getName();
        if (podReady(in.pod())) {
            return Conditions.of(before, type, true, "PodReady", "pod " + podName + " is ready", generation, now);
        }
        String podPhase = in.pod().getStatus() == null ? null : in.pod().getStatus().getPhase();
        return Conditions.of(before, type, false, "PodNotReady", "pod " + podName + " is not ready yet (phase "
                + (podPhase == null ? "unknown" : podPhase) + ")" + failingContainer(in.pod()).map(f -> ": " + f)
                .orElse(""), generation, now);
    }

    private static SandboxCondition agentEnded(StatusInputs in, List<SandboxCondition> before, Instant now) {
        AgentExitStatus exit = in.agentExit();
        String how = exit.exitCode() == null ? "ended without an exit code"
                : "exited " + exit.exitCode();
        String pod = in.pod() == null ? "" : " (kubectl logs " + in.pod().getMetadata().getName() + " -c agent)";
        return Conditions.of(before, ConditionTypes.READY, false, exit.succeeded() ? AGENT_SUCCEEDED : AGENT_FAILED,
                "the agent " + how + (exit.reason() == null ? "" : " (" + exit.reason() + ")") + " at "
                        + exit.finishedAt() + " and is not restarted (spec.agent.restartPolicy): its pod is kept for"
                        + " its logs" + pod + " until the sandbox is deleted (spec.lifecycle.ttlSecondsAfterFinished"
                        + " deletes it on its own)", in.generation(), now);
    }

    /**
     * The first container that failed to start or exited with an error, with the runtime's words (an agent image
     * without /bin/sh for the trust-bundle init container, a missing command, an image that cannot be pulled): what
     * {@code kubectl describe} would show, in the condition itself.
     */
    static Optional<String> failingContainer(Pod pod) {
        if (pod.getStatus() == null) {
            return Optional.empty();
        }
        List<ContainerStatus> statuses = new ArrayList<>(pod.getStatus().getInitContainerStatuses());
        statuses.addAll(pod.getStatus().getContainerStatuses());
        for (ContainerStatus status : statuses) {
            ContainerState state = status.getState();
            ContainerState last = status.getLastState();
            if (state != null && state.getWaiting() != null && state.getWaiting().getReason() != null
                    && !QUIET_WAITING_REASONS.contains(state.getWaiting().getReason())) {
                // CrashLoopBackOff says little; the last exit says why.
                String why = last != null && last.getTerminated() != null ? terminated(last.getTerminated())
                        : state.getWaiting().getMessage();
                return Optional.of("container " + status.getName() + " " + state.getWaiting().getReason()
                        + (why == null || why.isBlank() ? "" : " (" + why + ")"));
            }
            if (state != null && state.getTerminated() != null
                    && !Integer.valueOf(0).equals(state.getTerminated().getExitCode())) {
                return Optional.of("container " + status.getName() + " " + terminated(state.getTerminated()));
            }
        }
        return Optional.empty();
    }

    private static String terminated(ContainerStateTerminated terminated) {
        return "exited " + terminated.getExitCode()
                + (terminated.getReason() == null ? "" : " " + terminated.getReason())
                + (terminated.getMessage() == null || terminated.getMessage().isBlank() ? ""
                : ": " + terminated.getMessage().strip());
    }

    private static SandboxCondition workspace(StatusInputs in, List<SandboxCondition> before, Instant now) {
        String type = ConditionTypes.WORKSPACE_READY;
        if (!in.claimWanted()) {
            return Conditions.of(before, type, true, "EmptyDir", "the workspace is an emptyDir, lost with the pod",
                    in.generation(), now);
        }
        PersistentVolumeClaim claim = in.claim();
        if (claim == null) {
            return Conditions.of(before, type, false, "ClaimPending", "the workspace claim is not created yet",
                    in.generation(), now);
        }
        String name = claim.getMetadata().getName();
        String phase = claim.getStatus() == null ? null : claim.getStatus().getPhase();
        if ("Bound".equals(phase)) {
            return Conditions.of(before, type, true, "ClaimBound", "PersistentVolumeClaim " + name + " is bound",
                    in.generation(), now);
        }
        return Conditions.of(before, type, false, "ClaimNotBound", "PersistentVolumeClaim " + name + " is "
                + (phase == null ? "not bound yet" : phase), in.generation(), now);
    }

    /** Only on a sandbox of a template, once it decided how to start. */
    private static Optional<SandboxCondition> warmStart(StatusInputs in, List<SandboxCondition> before, Instant now) {
        if (in.warmStart() == null) {
            return Optional.empty();
        }
        return Optional.of(Conditions.of(before, WarmStart.TYPE, in.warmStart().adopted(), in.warmStart().reason(),
                in.warmStart().message(), in.generation(), now));
    }

    public static boolean podReady(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }
}
