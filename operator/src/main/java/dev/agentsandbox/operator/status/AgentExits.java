package dev.agentsandbox.operator.status;

import dev.agentsandbox.operator.api.v1alpha1.AgentExitStatus;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxStatus;
import dev.agentsandbox.operator.plan.Timestamps;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.Set;

/**
 * Whether the agent ended for good, read from its pod: the kubelet puts a pod whose restartPolicy is not Always in
 * phase Succeeded or Failed once its regular containers (the agent alone) will not run again, then stops the native
 * sidecars. A pod under Always never gets there by the agent's doing (an evicted one does: that is not the agent's
 * end, and stays a pod that is not ready). Once recorded in the status, the end stays, whatever becomes of the pod.
 */
public final class AgentExits {

    private static final Set<String> ENDED_PHASES = Set.of("Succeeded", "Failed");

    private AgentExits() {
    }

    /** The recorded end, else the pod's; empty while the agent may still run. */
    public static Optional<AgentExitStatus> of(AgentSandboxStatus previous, Pod pod, Instant now) {
        if (previous != null && previous.getAgentExit() != null) {
            return Optional.of(previous.getAgentExit());
        }
        return ofPod(pod, now);
    }

    /** When the agent ended, from {@link #of}'s answer: what spec.lifecycle.ttlSecondsAfterFinished counts from. */
    public static Instant finishedAt(Optional<AgentExitStatus> exit) {
        return exit.flatMap(e -> Timestamps.parse(e.finishedAt())).orElse(null);
    }

    /** The pod's agent ended for good: nothing in this pod runs again. */
    public static boolean ended(Pod pod) {
        return pod != null && pod.getStatus() != null && ENDED_PHASES.contains(pod.getStatus().getPhase())
                && !"Always".equals(pod.getSpec().getRestartPolicy());
    }

    static Optional<AgentExitStatus> ofPod(Pod pod, Instant now) {
        if (!ended(pod)) {
            return Optional.empty();
        }
        // The agent is the pod's only regular container.
        Optional<ContainerStateTerminated> terminated = pod.getStatus().getContainerStatuses().stream()
                .map(ContainerStatus::getState).filter(s -> s != null && s.getTerminated() != null)
                .map(s -> s.getTerminated()).findFirst();
        if (terminated.isPresent()) {
            ContainerStateTerminated agent = terminated.get();
            String at = agent.getFinishedAt() != null ? agent.getFinishedAt() : seconds(now);
            return Optional.of(new AgentExitStatus(agent.getExitCode(), agent.getReason(), at));
        }
        // It never ran, or its end is not on record: an init container failed, the pod was evicted.
        String reason = pod.getStatus().getReason() != null ? pod.getStatus().getReason()
                : SandboxStatusAggregator.failingContainer(pod).orElse(pod.getStatus().getPhase());
        return Optional.of(new AgentExitStatus(null, reason, seconds(now)));
    }

    private static String seconds(Instant now) {
        return now.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
