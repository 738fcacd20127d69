package dev.agentsandbox.operator.it;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.ControlPlaneExtension;
import dev.agentsandbox.operator.testing.EmbeddedControlPlane;
import dev.agentsandbox.operator.testing.OperatorProcess;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static dev.agentsandbox.operator.testing.ClusterFixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Not a test (the name matches no failsafe pattern; {@code bench/warm-pool.sh} runs it by name): AgentSandbox create
 * → Ready on the embedded control plane with the packaged operator, warm (a pool of the template) and cold (no pool),
 * sequentially and in a burst. "Create" is the client's create request; "Ready" is the watch event that carries
 * {@code status.phase: Ready}, as a client waiting for its sandbox sees it. Results in BENCHMARKS.md only.
 */
@ExtendWith(ControlPlaneExtension.class)
class WarmPoolBenchmark {

    private static final Logger LOG = Logger.getLogger(WarmPoolBenchmark.class);
    private static final int SEQUENTIAL = Integer.parseInt(System.getenv().getOrDefault("SEQUENTIAL", "50"));
    private static final int BURST = Integer.parseInt(System.getenv().getOrDefault("BURST", "100"));
    private static final Duration WAIT = Duration.ofMinutes(10);

    @Test
    void createToReadyWarmAndCold(EmbeddedControlPlane plane) throws Exception {
        assumeTrue(plane.isComplete(), plane.binaries().whyIncomplete());
        KubernetesClient client = plane.client();
        ClusterFixtures.prepareForOperator(client);
        StringBuilder report = new StringBuilder();
        try (OperatorProcess operator = OperatorProcess.start(plane, "operator-bench", Map.of())) {
            report.append("| case | sandboxes | p50 ms | p99 ms | max ms | all Ready after ms | adopted |\n")
                    .append("|---|---|---|---|---|---|---|\n");
            // Sequential, pool large enough that it never runs dry: each sandbox adopts.
            report.append(sequential(client, "warm sequential", true)).append('\n');
            report.append(sequential(client, "cold sequential", false)).append('\n');
            report.append(burst(client, "warm burst (pool of " + BURST + ")", true)).append('\n');
            report.append(burst(client, "cold burst", false)).append('\n');
        }
        LOG.info("\n" + report);
        Path out = Path.of(System.getenv().getOrDefault("BENCH_OUT", "target/warm-pool-bench.md"));
        Files.writeString(out, report.toString());
    }

    private static String sequential(KubernetesClient client, String label, boolean warm) throws Exception {
        String namespace = prepare(client, warm ? SEQUENTIAL : 0);
        try (ReadyClock clock = new ReadyClock(client, namespace)) {
            List<Long> millis = new ArrayList<>();
            for (int i = 0; i < SEQUENTIAL; i++) {
                String name = "seq-" + i;
                long created = clock.create(name);
                millis.add(TimeUnit.NANOSECONDS.toMillis(clock.awaitReady(name) - created));
            }
            return row(label, millis, -1, adopted(client, namespace));
        }
    }

    private static String burst(KubernetesClient client, String label, boolean warm) throws Exception {
        String namespace = prepare(client, warm ? BURST : 0);
        ExecutorService threads = Executors.newFixedThreadPool(16);
        try (ReadyClock clock = new ReadyClock(client, namespace)) {
            long start = System.nanoTime();
            List<CompletableFuture<Long>> created = new ArrayList<>();
            for (int i = 0; i < BURST; i++) {
                String name = "burst-" + i;
                created.add(CompletableFuture.supplyAsync(() -> clock.create(name), threads));
            }
            List<Long> millis = new ArrayList<>();
            long last = start;
            for (int i = 0; i < BURST; i++) {
                long ready = clock.awaitReady("burst-" + i);
                millis.add(TimeUnit.NANOSECONDS.toMillis(ready - created.get(i).get()));
                last = Math.max(last, ready);
            }
            return row(label, millis, TimeUnit.NANOSECONDS.toMillis(last - start), adopted(client, namespace));
        } finally {
            threads.shutdown();
        }
    }

    /** A namespace with the template and, for warm runs, a pool of {@code warm} ready pods. */
    private static String prepare(KubernetesClient client, int warm) {
        String namespace = ClusterFixtures.freshNamespace(client, "bench");
        Pools.template(client, namespace, "python", "registry.test/agent:1");
        if (warm > 0) {
            Pools.pool(client, namespace, "warm", "python", warm);
            eventually(WAIT).until(() -> Pools.readyReplicas(client, namespace, "warm") == warm);
        }
        return namespace;
    }

    private static long adopted(KubernetesClient client, String namespace) {
        return client.resources(AgentSandbox.class).inNamespace(namespace).list().getItems().stream()
                .filter(s -> Pools.condition(s, "WarmStart").map(SandboxCondition::isTrue).orElse(false)).count();
    }

    private static String row(String label, List<Long> millis, long all, long adopted) {
        List<Long> sorted = millis.stream().sorted().toList();
        return "| " + label + " | " + sorted.size() + " | " + percentile(sorted, 50) + " | "
                + percentile(sorted, 99) + " | " + sorted.get(sorted.size() - 1) + " | "
                + (all < 0 ? "" : String.valueOf(all)) + " | " + adopted + " |";
    }

    /** Nearest rank. */
    private static long percentile(List<Long> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    /** Creates templated sandboxes and notes when the watch first shows each Ready. */
    private static final class ReadyClock implements AutoCloseable {

        private final KubernetesClient client;
        private final String namespace;
        private final Map<String, CompletableFuture<Long>> ready = new ConcurrentHashMap<>();
        private final Watch watch;

        ReadyClock(KubernetesClient client, String namespace) {
            this.client = client;
            this.namespace = namespace;
            this.watch = client.resources(AgentSandbox.class).inNamespace(namespace).watch(new Watcher<>() {
                @Override
                public void eventReceived(Action action, AgentSandbox sandbox) {
                    if (sandbox.getStatus() != null && sandbox.getStatus().getPhase() == SandboxPhase.READY) {
                        future(sandbox.getMetadata().getName()).complete(System.nanoTime());
                    }
                }

                @Override
                public void onClose(WatcherException cause) {
                }
            });
        }

        long create(String name) {
            long start = System.nanoTime();
            client.resource(Pools.templated(namespace, name, "python")).create();
            return start;
        }

        long awaitReady(String name) throws Exception {
            long at = future(name).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(at).isPositive();
            return at;
        }

        private CompletableFuture<Long> future(String name) {
            return ready.computeIfAbsent(name, n -> new CompletableFuture<>());
        }

        @Override
        public void close() {
            watch.close();
        }
    }
}
