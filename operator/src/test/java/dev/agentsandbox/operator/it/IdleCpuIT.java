package dev.agentsandbox.operator.it;

import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentCpuStatus;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.LifecycleMode;
import dev.agentsandbox.operator.api.v1alpha1.LifecycleSpec;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import dev.agentsandbox.operator.dependent.SandboxObjects;
import dev.agentsandbox.operator.plan.IdleTimer;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.ControlPlaneExtension;
import dev.agentsandbox.operator.testing.EmbeddedControlPlane;
import dev.agentsandbox.operator.testing.OperatorForClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static dev.agentsandbox.operator.it.Sandboxes.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code spec.lifecycle.idleCpuThreshold} with the packaged operator on the real control plane, whose API server
 * serves {@code metrics.k8s.io} through its aggregation layer from {@link FakeMetricsApi} (as it would from
 * metrics-server): agent CPU use above the threshold keeps a sandbox without any network activity running past its
 * idle timeout, CPU use at or below it does not, and without the metrics API the sidecars' activity alone decides
 * and {@code status.agentCpu.message} says why CPU did not count.
 */
@ExtendWith(ControlPlaneExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IdleCpuIT {

    /** Idle checks (and, with the metrics API's recheck, discovery) this often: each wait below is a few of them. */
    private static final Duration REFRESH = Duration.ofSeconds(2);
    /** The shortest idle timeout the API server accepts; the tests backdate rather than wait it out. */
    private static final Duration TIMEOUT = Duration.ofMinutes(1);
    /** Idle checks a sandbox goes through before an outcome is judged. */
    private static final int CHECKS = 3;

    @RegisterExtension
    static final OperatorForClass OPERATOR = new OperatorForClass("operator-idle-cpu", Map.of(
            "agentsandbox.status-refresh", REFRESH.toSeconds() + "s",
            // The first test sees the API absent, the second present: the operator must notice soon.
            "agentsandbox.metrics-api-recheck", REFRESH.toSeconds() + "s"));
    private static FakeMetricsApi metricsApi;

    @BeforeAll
    static void startMetricsApi(EmbeddedControlPlane plane) throws Exception {
        metricsApi = FakeMetricsApi.start(Files.createTempDirectory(plane.workDir(), "metrics-api-"));
    }

    @AfterAll
    static void stopMetricsApi() {
        FakeMetricsApi.unregister(OPERATOR.client());
        if (metricsApi != null) {
            metricsApi.close();
        }
    }

    @Test
    @Order(1)
    void withoutTheMetricsApiCpuDoesNotCountAndTheStatusSaysSo() {
        assertThat(FakeMetricsApi.available(OPERATOR.client())).as("metrics.k8s.io before registering it").isFalse();
        String namespace = ClusterFixtures.freshNamespace(OPERATOR.client(), "idle-cpu-absent");
        Sandboxes.apply(OPERATOR.client(), withIdleCpuThreshold(namespace, "builder"));
        Sandboxes.awaitReady(OPERATOR.client(), namespace, "builder");
        // Discovery is asked again at the checks of these seconds (a wait for time itself): the log below must
        // still say it once.
        ClusterFixtures.eventually(Sandboxes.CONVERGENCE).pollDelay(REFRESH.multipliedBy(CHECKS))
                .until(() -> true);
        Sandboxes.backdateReady(OPERATOR.client(), namespace, "builder", Instant.now().minus(TIMEOUT));

        ClusterFixtures.eventually(Sandboxes.CONVERGENCE).untilAsserted(() -> {
            AgentSandbox paused = Sandboxes.sandbox(OPERATOR.client(), namespace, "builder").get();
            assertThat(ready(paused).reason()).isEqualTo("Idle");
            assertThat(paused.getStatus().getPhase()).isEqualTo(SandboxPhase.PAUSED);
            assertThat(paused.getStatus().getAgentCpu().counted()).isFalse();
            assertThat(paused.getStatus().getAgentCpu().message())
                    .isEqualTo("the metrics.k8s.io API is not served (install metrics-server): CPU use does not count"
                            + " as activity");
            assertThat(ready(paused).message()).doesNotContain("CPU")
                    .contains("no model call for 1m (spec.lifecycle.idleTimeout)");
        });
        // Asked of discovery every recheck, said once: no error loop.
        assertThat(Pattern.compile("metrics.k8s.io: the metrics.k8s.io API is not served").matcher(OPERATOR.process().log())
                .results().count()).isEqualTo(1);
    }

    @Test
    @Order(2)
    void withTheMetricsApiCpuAboveTheThresholdKeepsTheSandboxRunningAndAtOrBelowItDoesNot() {
        metricsApi.register(OPERATOR.client());
        ClusterFixtures.eventually(Sandboxes.CONVERGENCE).until(() -> FakeMetricsApi.available(OPERATOR.client()));
        String namespace = ClusterFixtures.freshNamespace(OPERATOR.client(), "idle-cpu");
        metricsApi.agentCpu(namespace, SandboxObjects.podName("compiler"), 850);
        metricsApi.agentCpu(namespace, SandboxObjects.podName("napper"), 100);
        Sandboxes.apply(OPERATOR.client(), withIdleCpuThreshold(namespace, "compiler"));
        Sandboxes.apply(OPERATOR.client(), withIdleCpuThreshold(namespace, "napper"));
        Sandboxes.awaitReady(OPERATOR.client(), namespace, "compiler");
        Sandboxes.awaitReady(OPERATOR.client(), namespace, "napper");
        // Both counted (the operator has seen the API come) before their timers fall due.
        for (String name : List.of("compiler", "napper")) {
            ClusterFixtures.eventually(Sandboxes.CONVERGENCE).until(() -> Boolean.TRUE.equals(
                    Sandboxes.sandbox(OPERATOR.client(), namespace, name).get().getStatus().getAgentCpu().counted()));
        }
        // Neither sandbox makes a request or a model call (nothing runs on kwok): only CPU tells them apart. Both
        // Ready for a timeout already, as if it had passed: idle at their next check unless CPU counts.
        Sandboxes.backdateReady(OPERATOR.client(), namespace, "napper", Instant.now().minus(TIMEOUT));
        Instant checkedFrom = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String compilerReady = Sandboxes.backdateReady(OPERATOR.client(), namespace, "compiler", checkedFrom.minus(TIMEOUT));

        ClusterFixtures.eventually(Sandboxes.CONVERGENCE).untilAsserted(() -> assertThat(
                ready(Sandboxes.sandbox(OPERATOR.client(), namespace, "napper").get()).reason()).as("100m is not above 100m")
                .isEqualTo("Idle"));
        assertThat(metricsApi.lists(namespace)).as("the namespace's CPU was read").isPositive();
        assertThat(Sandboxes.sandbox(OPERATOR.client(), namespace, "napper").get().getStatus().getAgentCpu().lastActivity())
                .as("never above the threshold").isNull();
        // The compiler, Ready for its timeout, goes through more idle checks: its CPU use keeps it running.
        awaitChecks(namespace, "compiler", CHECKS);
        AgentSandbox compiler = Sandboxes.sandbox(OPERATOR.client(), namespace, "compiler").get();
        assertThat(ready(compiler).lastTransitionTime()).as("Ready since a timeout ago, as the checks saw it")
                .isEqualTo(compilerReady);
        assertThat(compiler.getStatus().getPhase()).as("a sandbox busy at 850m").isEqualTo(SandboxPhase.READY);
        assertThat(compiler.getSpec().getLifecycle().getMode()).isEqualTo(LifecycleMode.RUNNING);
        assertThat(compiler.getMetadata().getAnnotations()).doesNotContainKey(IdleTimer.PAUSED_ANNOTATION);
        assertThat(compiler.getStatus().getAgentCpu().counted()).isTrue();
        assertThat(Instant.parse(compiler.getStatus().getAgentCpu().lastActivity())).isAfterOrEqualTo(checkedFrom);

        // The build ends: once a check has read the low use, its last CPU activity a timeout ago makes it idle;
        // were 3m counted as activity, each check would write a newer one and this would fail.
        metricsApi.agentCpu(namespace, SandboxObjects.podName("compiler"), 3);
        awaitChecks(namespace, "compiler", 1);
        String lastBusy = Instant.now().minus(TIMEOUT).truncatedTo(ChronoUnit.SECONDS).toString();
        Sandboxes.backdate(OPERATOR.client(), namespace, "compiler", status -> {
            status.setAgentCpu(AgentCpuStatus.counted(lastBusy));
            return status;
        }, sandbox -> !ready(sandbox).isTrue() || lastBusy.equals(sandbox.getStatus().getAgentCpu().lastActivity()));
        ClusterFixtures.eventually(Sandboxes.CONVERGENCE).untilAsserted(() -> assertThat(
                ready(Sandboxes.sandbox(OPERATOR.client(), namespace, "compiler").get()).reason()).isEqualTo("Idle"));
        // The status may say Idle while kwok is still removing the pod the pause deleted.
        ClusterFixtures.eventually(Sandboxes.CONVERGENCE).untilAsserted(() -> assertThat(
                Sandboxes.pod(OPERATOR.client(), namespace, "compiler").get()).as("pod while idle").isNull());
    }

    /**
     * Until the operator has listed the namespace's CPU {@code checks} more times (each list is started by an idle
     * check of the one sandbox still running there, which takes the list before it); it must run throughout.
     */
    private static void awaitChecks(String namespace, String name, int checks) {
        int before = metricsApi.lists(namespace);
        ClusterFixtures.eventually(Sandboxes.CONVERGENCE)
                .failFast(name + " was paused during the idle checks",
                        () -> Sandboxes.sandbox(OPERATOR.client(), namespace, name).get().getStatus().getPhase()
                                == SandboxPhase.PAUSED)
                .until(() -> metricsApi.lists(namespace) >= before + checks);
    }

    private static AgentSandbox withIdleCpuThreshold(String namespace, String name) {
        AgentSandbox sandbox = TestSandboxes.minimal(namespace, name);
        LifecycleSpec lifecycle = new LifecycleSpec();
        lifecycle.setIdleTimeout("1m");
        lifecycle.setIdleCpuThreshold("100m");
        sandbox.getSpec().setLifecycle(lifecycle);
        return sandbox;
    }
}
