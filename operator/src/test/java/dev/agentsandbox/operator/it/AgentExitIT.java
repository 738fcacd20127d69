package dev.agentsandbox.operator.it;

import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentRestartPolicy;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxTemplate;
import dev.agentsandbox.operator.api.v1alpha1.LifecycleSpec;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.ControlPlaneExtension;
import dev.agentsandbox.operator.testing.EmbeddedControlPlane;
import dev.agentsandbox.operator.testing.OperatorForClass;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static dev.agentsandbox.operator.it.Sandboxes.CONVERGENCE;
import static dev.agentsandbox.operator.testing.ClusterFixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A sandbox per tool call that ends itself (issue 14): an agent under {@code spec.agent.restartPolicy: Never} exits,
 * the kubelet ends its pod, the sandbox turns Succeeded or Failed with the exit code and an Event, nothing is
 * restarted, and {@code spec.lifecycle.ttlSecondsAfterFinished} deletes it. kwok runs no container, so the test ends
 * the pod as the kubelet would: phase Succeeded or Failed and the agent's terminated state, written through the pod's
 * status subresource (kwok leaves a pod that is no longer Pending alone). The real kubelet does it in
 * {@code SandboxClientOnNodeIT}.
 */
@ExtendWith(ControlPlaneExtension.class)
class AgentExitIT {

    @RegisterExtension
    static final OperatorForClass OPERATOR = new OperatorForClass("operator-agent-exit", Map.of());


    /** What the kubelet writes once the agent, the pod's only regular container, exited and may not restart. */
    private static void agentExits(String namespace, String podName, int exitCode) {
        OPERATOR.client().pods().inNamespace(namespace).withName(podName).editStatus(pod -> new PodBuilder(pod).editStatus()
                .withPhase(exitCode == 0 ? "Succeeded" : "Failed")
                .withConditions(List.of())
                .withContainerStatuses(new ContainerStatusBuilder().withName("agent").withImage("registry.test/agent:1")
                        .withImageID("").withReady(false).withRestartCount(0).withNewState().withNewTerminated()
                        .withExitCode(exitCode).withReason(exitCode == 0 ? "Completed" : "Error")
                        .withStartedAt(Instant.now().minusSeconds(2).truncatedTo(ChronoUnit.SECONDS).toString())
                        .withFinishedAt(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())
                        .endTerminated().endState().build())
                .endStatus().build());
    }

    private static List<Event> events(String namespace, String name) {
        return OPERATOR.client().v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
    }

    /**
     * From a template whose agent never restarts, with the TTL on the sandbox itself (a lifecycle field, allowed
     * next to spec.templateRef): Succeeded at the exit, then deleted with everything it owns.
     */
    @Test
    void anAgentThatExits0SucceedsItsSandboxWhichIsDeletedAfterItsTtl() {
        String namespace = ClusterFixtures.freshNamespace(OPERATOR.client(), "agent-exit");
        oneShotTemplate(namespace, "one-shot");
        AgentSandbox sandbox = Pools.templated(namespace, "call", "one-shot");
        LifecycleSpec lifecycle = new LifecycleSpec();
        lifecycle.setTtlSecondsAfterFinished(5L);
        sandbox.getSpec().setLifecycle(lifecycle);
        Sandboxes.apply(OPERATOR.client(), sandbox);
        eventually(CONVERGENCE).untilAsserted(() -> assertThat(Sandboxes.sandbox(OPERATOR.client(), namespace, "call").get()
                .getStatus().getPhase()).isEqualTo(SandboxPhase.READY));
        Pod pod = Sandboxes.pod(OPERATOR.client(), namespace, "call").get();
        assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Never");

        agentExits(namespace, pod.getMetadata().getName(), 0);

        eventually(CONVERGENCE).untilAsserted(() -> {
            AgentSandbox ended = Sandboxes.sandbox(OPERATOR.client(), namespace, "call").get();
            assertThat(ended).as("the sandbox, before its TTL").isNotNull();
            assertThat(ended.getStatus().getPhase()).isEqualTo(SandboxPhase.SUCCEEDED);
            assertThat(ended.getStatus().getAgentExit().exitCode()).isZero();
            assertThat(Pools.condition(ended, "Ready").orElseThrow().reason()).isEqualTo("AgentSucceeded");
        });
        eventually(CONVERGENCE).untilAsserted(() -> {
            assertThat(Sandboxes.sandbox(OPERATOR.client(), namespace, "call").get()).as("the sandbox after its TTL").isNull();
            assertThat(Sandboxes.managedPods(OPERATOR.client(), namespace)).isEmpty();
        });
        assertThat(events(namespace, "call")).anySatisfy(event -> {
            assertThat(event.getType()).isEqualTo("Normal");
            assertThat(event.getReason()).isEqualTo("AgentSucceeded");
            assertThat(event.getMessage()).startsWith("the agent exited 0 (Completed) at ");
        }).anySatisfy(event -> {
            assertThat(event.getReason()).isEqualTo("Expired");
            assertThat(event.getMessage()).isEqualTo("spec.lifecycle.ttlSecondsAfterFinished 5 passed since the agent"
                    + " ended: deleting the sandbox");
        });
    }

    /**
     * Without a TTL an ended sandbox stays, Failed with the exit code and a Warning; it is final: a later spec
     * change starts nothing, and neither does its pod's deletion.
     */
    @Test
    void aFailedAgentFailsItsSandboxForGoodAndNothingIsRestarted() {
        String namespace = ClusterFixtures.freshNamespace(OPERATOR.client(), "agent-fail");
        AgentSandbox sandbox = TestSandboxes.minimal(namespace, "call");
        sandbox.getSpec().getAgent().setRestartPolicy(AgentRestartPolicy.NEVER);
        Sandboxes.apply(OPERATOR.client(), sandbox);
        Sandboxes.awaitReady(OPERATOR.client(), namespace, "call");
        Pod pod = Sandboxes.pod(OPERATOR.client(), namespace, "call").get();

        agentExits(namespace, pod.getMetadata().getName(), 3);

        eventually(CONVERGENCE).untilAsserted(() -> {
            AgentSandbox ended = Sandboxes.sandbox(OPERATOR.client(), namespace, "call").get();
            assertThat(ended.getStatus().getPhase()).isEqualTo(SandboxPhase.FAILED);
            assertThat(ended.getStatus().getAgentExit().exitCode()).isEqualTo(3);
            assertThat(Pools.condition(ended, "Ready").orElseThrow().reason()).isEqualTo("AgentFailed");
            assertThat(events(namespace, "call")).anySatisfy(event -> {
                assertThat(event.getType()).isEqualTo("Warning");
                assertThat(event.getReason()).isEqualTo("AgentFailed");
                assertThat(event.getMessage()).startsWith("the agent exited 3 (Error) at ");
            });
        });

        Sandboxes.pod(OPERATOR.client(), namespace, "call").delete();
        eventually(CONVERGENCE).untilAsserted(() -> assertThat(Sandboxes.pod(OPERATOR.client(), namespace, "call").get()).isNull());
        sandbox.getSpec().setLifecycle(new LifecycleSpec());
        sandbox.getSpec().getLifecycle().setTtlSecondsAfterFinished(3600L);
        long generation = Sandboxes.apply(OPERATOR.client(), sandbox).getMetadata().getGeneration();

        eventually(CONVERGENCE).untilAsserted(() -> assertThat(Sandboxes.sandbox(OPERATOR.client(), namespace, "call").get()
                .getStatus().getObservedGeneration()).isEqualTo(generation));
        AgentSandbox after = Sandboxes.sandbox(OPERATOR.client(), namespace, "call").get();
        assertThat(after.getStatus().getPhase()).isEqualTo(SandboxPhase.FAILED);
        assertThat(after.getStatus().getAgentExit().exitCode()).isEqualTo(3);
        assertThat(Sandboxes.managedPods(OPERATOR.client(), namespace)).as("no new pod for an ended agent").isEmpty();
    }

    /** A warm pod whose agent ended can serve no sandbox: the pool replaces it instead of counting it warming. */
    @Test
    void aPoolReplacesAWarmPodWhoseAgentEnded() {
        String namespace = ClusterFixtures.freshNamespace(OPERATOR.client(), "pool-exit");
        oneShotTemplate(namespace, "one-shot");
        Pools.pool(OPERATOR.client(), namespace, "warm", "one-shot", 1);
        eventually(CONVERGENCE).untilAsserted(() -> assertThat(Pools.readyReplicas(OPERATOR.client(), namespace, "warm"))
                .isEqualTo(1));
        String ended = Pools.unclaimed(OPERATOR.client(), namespace, "warm").get(0).getMetadata().getName();

        agentExits(namespace, ended, 0);

        eventually(CONVERGENCE).untilAsserted(() -> {
            assertThat(Pools.unclaimed(OPERATOR.client(), namespace, "warm")).extracting(p -> p.getMetadata().getName())
                    .doesNotContain(ended).hasSize(1);
            assertThat(Pools.readyReplicas(OPERATOR.client(), namespace, "warm")).isEqualTo(1);
        });
    }

    private static void oneShotTemplate(String namespace, String name) {
        AgentSandboxTemplate template = Pools.template(OPERATOR.client(), namespace, name, "registry.test/agent:1");
        template.getSpec().getAgent().setRestartPolicy(AgentRestartPolicy.NEVER);
        template.getMetadata().setManagedFields(null);
        template.getMetadata().setResourceVersion(null);
        OPERATOR.client().resource(template).fieldManager(ClusterFixtures.TEST_FIELD_MANAGER).forceConflicts().serverSideApply();
    }
}
