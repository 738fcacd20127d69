package dev.agentsandbox.operator.node;

import dev.agentsandbox.client.AgentExit;
import dev.agentsandbox.client.AgentSandboxClient;
import dev.agentsandbox.client.ExecResult;
import dev.agentsandbox.client.Sandbox;
import dev.agentsandbox.client.SandboxException;
import dev.agentsandbox.client.SandboxExecTimeoutException;
import dev.agentsandbox.client.SandboxRequest;
import dev.agentsandbox.client.examples.OneToolCall;
import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxPool;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxPoolSpec;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxPoolStatus;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxSpec;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxTemplate;
import dev.agentsandbox.operator.api.v1alpha1.AgentSpec;
import dev.agentsandbox.operator.api.v1alpha1.TemplateRef;
import dev.agentsandbox.operator.dependent.SandboxObjects;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.EmbeddedNode;
import dev.agentsandbox.operator.testing.LocalChart;
import dev.agentsandbox.operator.testing.NodeExtension;
import dev.agentsandbox.operator.testing.RunLocalChart;
import dev.agentsandbox.operator.testing.SandboxOnNode;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static dev.agentsandbox.operator.testing.ClusterFixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A sandbox per tool call (issue 14) on the real node, through the client library an agent host embeds
 * ({@code client/}, {@code agentsandbox-client}): the operator installed by the chart as {@code hack/run-local.sh}
 * does, each sandbox opened from a spec, Ready on the node, commands exec'd in its agent container (output, exit
 * codes, a timeout, a missing program), and closed, leaving nothing; the documented example from a template whose
 * pool lends it a warm pod; a command that is the agent itself, whose exit ends the sandbox and whose TTL deletes it.
 * kwok cannot exec nor run a container to its end, so this is the tier that proves both. With {@code -Dagentsandbox.bench.roundtrips=N} it also times N round trips open → exec
 * {@code true} → close ({@code bench/tool-call-roundtrip.sh}; results in BENCHMARKS.md, never asserted).
 */
@ExtendWith(NodeExtension.class)
class SandboxClientOnNodeIT {

    private static final Logger LOG = Logger.getLogger(SandboxClientOnNodeIT.class);
    private static final Duration SANDBOX_READY = Duration.ofSeconds(300);
    private static final Duration COMMAND = Duration.ofSeconds(30);
    private static final Duration GONE = Duration.ofSeconds(60);
    /** The round trips to time; 1 (untimed) unless the benchmark asks for more. */
    private static final int ROUND_TRIPS = Integer.getInteger("agentsandbox.bench.roundtrips", 0);

    private static KubernetesClient client;
    private static EmbeddedNode node;
    private static String releaseNamespace;

    @BeforeAll
    static void installChart(KubernetesClient kubernetes, EmbeddedNode embeddedNode) {
        client = kubernetes;
        node = embeddedNode;
        releaseNamespace = RunLocalChart.install(client, node, "client");
    }

    @AfterAll
    static void uninstall() {
        RunLocalChart.uninstall(node, releaseNamespace);
    }

    private static SandboxRequest toolSandbox(String namespace) {
        // The local agent image runs `sleep infinity`: the commands are exec'd beside it.
        return SandboxRequest.forImage(LocalChart.AGENT_IMAGE).inNamespace(namespace);
    }

    @Test
    void commandsRunInTheAgentContainerOfASandboxOfTheirOwnAndCloseLeavesNothing() {
        String namespace = ClusterFixtures.freshNamespace(client, "tool-calls");
        AgentSandboxClient sandboxes = new AgentSandboxClient(client);
        String name;
        try (Sandbox sandbox = openReady(sandboxes, toolSandbox(namespace))) {
            name = sandbox.name();
            AgentSandbox opened = client.resources(AgentSandbox.class).inNamespace(namespace).withName(name).get();
            assertThat(opened.getSpec().getLifecycle().getActiveDeadlineSeconds())
                    .isEqualTo(SandboxRequest.DEFAULT_DEADLINE.toSeconds());
            assertThat(client.pods().inNamespace(namespace).withName(SandboxObjects.podName(name)).get().getSpec()
                    .getNodeName()).isEqualTo(EmbeddedNode.NODE_NAME);

            ExecResult echo = sandbox.exec(COMMAND, "sh", "-c", "echo to-stdout; echo to-stderr >&2; id -u");
            assertThat(echo).isEqualTo(new ExecResult(0, "to-stdout\n1000\n", "to-stderr\n"));
            assertThat(sandbox.exec(COMMAND, "false").exitCode()).isEqualTo(1);
            assertThat(sandbox.exec(COMMAND, "sh", "-c", "exit 42").exitCode()).isEqualTo(42);
            // A large output arrives whole (several exec frames).
            assertThat(sandbox.exec(COMMAND, "sh", "-c", "head -c 300000 /dev/zero | tr '\\0' x").stdout())
                    .hasSize(300_000);

            long start = System.nanoTime();
            assertThatThrownBy(() -> sandbox.exec(Duration.ofSeconds(2), "sleep", "30"))
                    .isInstanceOf(SandboxExecTimeoutException.class)
                    .hasMessageContaining("[sleep, 30] in AgentSandbox " + namespace + "/" + name)
                    .hasMessageContaining("did not finish within 2000 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));

            assertThatThrownBy(() -> sandbox.exec(COMMAND, "no-such-program"))
                    .isInstanceOf(SandboxException.class)
                    .hasMessageContaining("exec of [no-such-program] in AgentSandbox " + namespace + "/" + name)
                    .hasMessageContaining("no-such-program");
            // The sandbox survives all of it.
            assertThat(sandbox.exec(COMMAND, "true").exitCode()).isZero();
        }

        // close(): the AgentSandbox goes at once, the garbage collector takes its pod and the rest.
        eventually(GONE).untilAsserted(() -> assertThat(client.resources(AgentSandbox.class).inNamespace(namespace)
                .withName(name).get()).isNull());
        eventually(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(client.pods().inNamespace(namespace)
                .withLabel(SandboxObjects.MANAGED_BY_LABEL, SandboxObjects.MANAGED_BY).list().getItems()).isEmpty());
    }

    /** The README's example, from a template with a warm pool: the tool call runs in the pool's pod. */
    @Test
    void theDocumentedExampleRunsOneToolCallInAWarmPodOfATemplate() {
        String namespace = ClusterFixtures.freshNamespace(client, "example");
        AgentSandboxTemplate template = new AgentSandboxTemplate();
        template.setMetadata(new ObjectMetaBuilder().withName("tools").withNamespace(namespace).build());
        template.setSpec(new AgentSandboxSpec());
        template.getSpec().setAgent(new AgentSpec());
        // The local agent image runs `sleep infinity`: the commands are exec'd beside it.
        template.getSpec().getAgent().setImage(LocalChart.AGENT_IMAGE);
        client.resource(template).create();
        AgentSandboxPool pool = new AgentSandboxPool();
        pool.setMetadata(new ObjectMetaBuilder().withName("tools").withNamespace(namespace).build());
        pool.setSpec(new AgentSandboxPoolSpec());
        pool.getSpec().setTemplateRef(new TemplateRef("tools"));
        pool.getSpec().setReplicas(1);
        client.resource(pool).create();
        eventually(SANDBOX_READY).untilAsserted(() -> assertThat(client.resources(AgentSandboxPool.class)
                .inNamespace(namespace).withName("tools").get().getStatus()).isNotNull()
                .extracting(AgentSandboxPoolStatus::getReadyReplicas).isEqualTo(1));

        ExecResult result = OneToolCall.run(client, namespace, OneToolCall.TEMPLATE_PREFIX + "tools",
                List.of("sh", "-c", "echo hello from $(hostname)"));

        assertThat(result.exitCode()).isZero();
        // The pod's host name is the warm slot's (<pool>-<suffix>-sandbox), not the sandbox's: it was adopted.
        assertThat(result.stdout()).startsWith("hello from tools-").endsWith("-sandbox\n")
                .doesNotContain(SandboxRequest.DEFAULT_NAME_PREFIX);
        assertThat(client.resources(AgentSandbox.class).inNamespace(namespace).list().getItems()).isEmpty();
        client.resources(AgentSandboxPool.class).inNamespace(namespace).withName("tools").delete();
    }

    /**
     * A tool call that is the agent itself (issue 14): its command runs once (restartPolicy Never), its exit ends
     * the sandbox, Succeeded or Failed with the exit code, its log is there to read, and the operator deletes the
     * sandbox once ttlSecondsAfterFinished has passed since that end, with the pod the kubelet ended (its native
     * sidecars stopped with it). The TTL is shortened once the ends are read, rather than waited out.
     */
    @Test
    void anAgentCommandThatExitsEndsItsSandboxWhichIsDeletedAfterItsTtl() {
        String namespace = ClusterFixtures.freshNamespace(client, "one-shot");
        AgentSandboxClient sandboxes = new AgentSandboxClient(client);
        // Long enough to read both ends and logs whatever the node's pace; shortened below once they are read.
        Duration ttl = Duration.ofMinutes(10);

        Sandbox succeeded = sandboxes.open(SandboxRequest.forImage(LocalChart.AGENT_IMAGE).inNamespace(namespace)
                .command("sh", "-c", "echo the tool ran").restartPolicy("Never").deleteAfterFinished(ttl));
        Sandbox failed = sandboxes.open(SandboxRequest.forImage(LocalChart.AGENT_IMAGE).inNamespace(namespace)
                .command("sh", "-c", "echo the tool failed >&2; exit 3").restartPolicy("Never")
                .deleteAfterFinished(ttl));

        AgentExit ok = awaitFinished(succeeded);
        assertThat(ok.exitCode()).isZero();
        assertThat(ok.phase()).isEqualTo("Succeeded");
        assertThat(ok.reason()).isEqualTo("Completed");
        assertThat(succeeded.agentLog()).isEqualTo("the tool ran\n");
        AgentExit bad = awaitFinished(failed);
        assertThat(bad).extracting(AgentExit::exitCode, AgentExit::phase, AgentExit::reason)
                .containsExactly(3, "Failed", "Error");
        assertThat(failed.agentLog()).isEqualTo("the tool failed\n");
        AgentSandbox ended = client.resources(AgentSandbox.class).inNamespace(namespace).withName(failed.name()).get();
        assertThat(ended.getStatus().getConditions()).anySatisfy(c -> {
            assertThat(c.type()).isEqualTo("Ready");
            assertThat(c.reason()).isEqualTo("AgentFailed");
        });

        // A TTL that has already passed since the agents' ends: the operator deletes them at its next look.
        for (Sandbox oneShot : List.of(succeeded, failed)) {
            TestSandboxes.patchLifecycle(client, namespace, oneShot.name(), Map.of("ttlSecondsAfterFinished", 0));
        }
        eventually(GONE).untilAsserted(() -> {
            assertThat(client.resources(AgentSandbox.class).inNamespace(namespace).list().getItems()).isEmpty();
            assertThat(client.pods().inNamespace(namespace).withLabel(SandboxObjects.MANAGED_BY_LABEL,
                    SandboxObjects.MANAGED_BY).list().getItems()).isEmpty();
        });
        assertThat(client.v1().events().inNamespace(namespace).list().getItems())
                .filteredOn(e -> e.getInvolvedObject().getName().equals(failed.name()))
                .extracting(e -> e.getType() + " " + e.getReason())
                .contains("Warning AgentFailed", "Normal Expired");
    }

    private static AgentExit awaitFinished(Sandbox sandbox) {
        try {
            return sandbox.awaitFinished(SANDBOX_READY);
        } catch (RuntimeException e) {
            String diagnosis = SandboxOnNode.diagnosis(node, sandbox.namespace(), sandbox.name(), releaseNamespace);
            sandbox.close();
            throw new AssertionError(e.getMessage() + "\n" + diagnosis, e);
        }
    }

    /**
     * Untimed once in every run (so the benchmark's path stays working); timed N times when asked. Cold (a sandbox
     * of a spec, its pod started for it) and warm (a sandbox of a template whose AgentSandboxPool holds a ready pod
     * for each round trip: the sandbox adopts one).
     */
    @Test
    void roundTripOpenExecTrueClose() throws IOException {
        int rounds = Math.max(1, ROUND_TRIPS);
        String coldNamespace = ClusterFixtures.freshNamespace(client, "round-trip");
        List<long[]> cold = roundTrips(rounds, () -> toolSandbox(coldNamespace), sandbox -> { });

        String namespace = ClusterFixtures.freshNamespace(client, "round-trip-warm");
        AgentSandboxTemplate template = new AgentSandboxTemplate();
        template.setMetadata(new ObjectMetaBuilder().withName("tools").withNamespace(namespace).build());
        AgentSandboxSpec spec = new AgentSandboxSpec();
        AgentSpec agent = new AgentSpec();
        agent.setImage(LocalChart.AGENT_IMAGE);
        spec.setAgent(agent);
        template.setSpec(spec);
        client.resource(template).create();
        AgentSandboxPool pool = new AgentSandboxPool();
        pool.setMetadata(new ObjectMetaBuilder().withName("tools").withNamespace(namespace).build());
        AgentSandboxPoolSpec poolSpec = new AgentSandboxPoolSpec();
        poolSpec.setTemplateRef(new TemplateRef("tools"));
        poolSpec.setReplicas(rounds);
        pool.setSpec(poolSpec);
        client.resource(pool).create();
        eventually(SANDBOX_READY).until(() -> {
            AgentSandboxPool current = client.resource(pool).get();
            return current.getStatus() != null && Integer.valueOf(rounds).equals(current.getStatus()
                    .getReadyReplicas());
        });
        List<long[]> warm = roundTrips(rounds, () -> SandboxRequest.fromSpec(Map.of("templateRef",
                Map.of("name", "tools"))).inNamespace(namespace), sandbox -> assertThat(client
                .resources(AgentSandbox.class).inNamespace(namespace).withName(sandbox.name()).get().getStatus()
                .getConditions()).as("%s adopted a warm pod", sandbox.name()).anySatisfy(condition -> {
                    assertThat(condition.type()).isEqualTo("WarmStart");
                    assertThat(condition.isTrue()).isTrue();
                }));
        // No refill of what the round trips took: the node has other work.
        client.resource(pool).delete();

        if (ROUND_TRIPS > 0) {
            String table = "Cold (no pool):\n\n" + RoundTrips.table(cold) + "\nWarm (a pool of " + rounds
                    + " ready pods of the template):\n\n" + RoundTrips.table(warm);
            LOG.infof("Round trips open -> exec true -> close:%n%s", table);
            Path out = Path.of("target", "bench", "tool-call-roundtrip.md");
            Files.createDirectories(out.getParent());
            Files.writeString(out, table);
        }
    }

    /** Round trips one after the other: open → Ready ({@code checkOpened}) → exec {@code true} → close. */
    private static List<long[]> roundTrips(int count, Supplier<SandboxRequest> request, Consumer<Sandbox> checkOpened) {
        AgentSandboxClient sandboxes = new AgentSandboxClient(client);
        List<long[]> rounds = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            Sandbox sandbox = openReady(sandboxes, request.get());
            long ready = System.nanoTime();
            assertThat(sandbox.exec(COMMAND, "true").exitCode()).isZero();
            long executed = System.nanoTime();
            checkOpened.accept(sandbox);
            sandbox.close(GONE);
            long closed = System.nanoTime();
            rounds.add(new long[] {ready - start, executed - ready, closed - executed, closed - start});
        }
        return rounds;
    }

    private static Sandbox openReady(AgentSandboxClient sandboxes, SandboxRequest request) {
        Sandbox sandbox = sandboxes.open(request);
        try {
            return sandbox.awaitReady(SANDBOX_READY);
        } catch (RuntimeException e) {
            String diagnosis = SandboxOnNode.diagnosis(node, sandbox.namespace(), sandbox.name(), releaseNamespace);
            sandbox.close();
            throw new AssertionError(e.getMessage() + "\n" + diagnosis, e);
        }
    }

    /** The timings of each round trip as a Markdown table with the median (p50), the minimum and the maximum. */
    static final class RoundTrips {

        private static final String[] STEPS = {"open → Ready", "exec `true`", "close (AgentSandbox gone)",
                "round trip"};

        private RoundTrips() {
        }

        static String table(List<long[]> rounds) {
            StringBuilder table = new StringBuilder("| step | p50 | min | max |\n|---|---|---|---|\n");
            for (int step = 0; step < STEPS.length; step++) {
                int column = step;
                List<Long> sorted = rounds.stream().map(r -> r[column]).sorted().toList();
                table.append("| ").append(STEPS[step]).append(" | ").append(ms(median(sorted))).append(" | ")
                        .append(ms(sorted.get(0))).append(" | ").append(ms(sorted.get(sorted.size() - 1)))
                        .append(" |\n");
            }
            return table.append("\n").append(rounds.size()).append(" round trips, one after the other.\n").toString();
        }

        private static long median(List<Long> sorted) {
            int n = sorted.size();
            return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        }

        private static String ms(long nanos) {
            return nanos / 1_000_000 + " ms";
        }
    }
}
