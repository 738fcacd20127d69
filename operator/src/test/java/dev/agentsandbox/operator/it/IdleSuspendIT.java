package dev.agentsandbox.operator.it;

import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.LifecycleMode;
import dev.agentsandbox.operator.api.v1alpha1.LifecycleSpec;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.ControlPlaneExtension;
import dev.agentsandbox.operator.testing.EmbeddedControlPlane;
import dev.agentsandbox.operator.testing.OperatorForClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static dev.agentsandbox.operator.it.Sandboxes.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Idle suspend with the packaged operator on the real control plane: a sandbox whose agent does nothing through its
 * sidecars (on kwok nothing runs, so nothing is ever reported) is paused once {@code spec.lifecycle.idleTimeout}
 * has passed since it became Ready, with reason Idle and an Event, and {@code mode: Running} resumes it.
 */
@ExtendWith(ControlPlaneExtension.class)
class IdleSuspendIT {

    /** The shortest idle timeout the API server accepts; the test backdates rather than wait it out. */
    private static final Duration TIMEOUT = Duration.ofMinutes(1);

    @RegisterExtension
    static final OperatorForClass OPERATOR = new OperatorForClass("operator-idle", Map.of("agentsandbox.status-refresh", "5s"));


    @Test
    void anIdleSandboxIsPausedWithReasonIdleAndRunningResumesIt() {
        String namespace = ClusterFixtures.freshNamespace(OPERATOR.client(), "idle");
        AgentSandbox sandbox = TestSandboxes.minimal(namespace, "dozer");
        LifecycleSpec lifecycle = new LifecycleSpec();
        lifecycle.setIdleTimeout("1m");
        sandbox.getSpec().setLifecycle(lifecycle);
        Sandboxes.apply(OPERATOR.client(), sandbox);
        Sandboxes.awaitReady(OPERATOR.client(), namespace, "dozer");
        String firstPod = Sandboxes.pod(OPERATOR.client(), namespace, "dozer").get().getMetadata().getUid();
        Sandboxes.backdateReady(OPERATOR.client(), namespace, "dozer", Instant.now().minus(TIMEOUT));

        ClusterFixtures.eventually(Sandboxes.CONVERGENCE).untilAsserted(() -> {
            AgentSandbox idle = Sandboxes.sandbox(OPERATOR.client(), namespace, "dozer").get();
            assertThat(ready(idle).reason()).isEqualTo("Idle");
            assertThat(idle.getStatus().getPhase()).isEqualTo(SandboxPhase.PAUSED);
            assertThat(idle.getSpec().getLifecycle().getMode()).isEqualTo(LifecycleMode.PAUSED);
            assertThat(Sandboxes.pod(OPERATOR.client(), namespace, "dozer").get()).as("pod while idle").isNull();
        });
        assertThat(ready(Sandboxes.sandbox(OPERATOR.client(), namespace, "dozer").get()).message())
                .contains("for 1m (spec.lifecycle.idleTimeout)");
        ClusterFixtures.eventually(Sandboxes.CONVERGENCE).until(() -> OPERATOR.client().v1().events().inNamespace(namespace)
                .list().getItems().stream().anyMatch(e -> "Idle".equals(e.getReason())
                        && "dozer".equals(e.getInvolvedObject().getName())));

        TestSandboxes.setMode(OPERATOR.client(), namespace, "dozer", LifecycleMode.RUNNING);

        Sandboxes.awaitReady(OPERATOR.client(), namespace, "dozer");
        assertThat(Sandboxes.pod(OPERATOR.client(), namespace, "dozer").get().getMetadata().getUid()).as("a new pod")
                .isNotEqualTo(firstPod);
    }
}
