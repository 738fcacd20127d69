package dev.agentsandbox.operator.it;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxStatus;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import dev.agentsandbox.operator.dependent.SandboxObjects;
import dev.agentsandbox.operator.dependent.WarmSlots;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.ControlPlaneExtension;
import dev.agentsandbox.operator.testing.EmbeddedControlPlane;
import dev.agentsandbox.operator.testing.OperatorProcess;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.Watchable;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static dev.agentsandbox.operator.testing.ClusterFixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Not a test (the name matches no failsafe pattern; {@code bench/warm-pool.sh} runs it by name): AgentSandbox create
 * → Ready on the embedded control plane with the packaged operator, warm (a pool of the template) and cold (no pool),
 * sequentially and in a burst. "Create" is the client's create request; "Ready" is the watch event that carries
 * {@code status.phase: Ready}, as a client waiting for its sandbox sees it. Results in BENCHMARKS.md only.
 *
 * <p>After the operator stopped, the floor of the warm burst: what the API server alone costs for the writes the
 * shortest warm path needs, made by this driver for {@code BURST} sandboxes at once against a pool the operator warmed
 * before it stopped: the sandbox's create (16 client threads, as the burst), then the claim (a merge patch of a warm
 * pod guarded by its resourceVersion) and a Ready status (as big as an adopted sandbox's) on as many threads as the
 * operator reconciles with, timed by the same watch.
 */
@ExtendWith(ControlPlaneExtension.class)
class WarmPoolBenchmark {

    private static final Logger LOG = Logger.getLogger(WarmPoolBenchmark.class);
    static final int SEQUENTIAL = Integer.parseInt(System.getenv().getOrDefault("SEQUENTIAL", "50"));
    static final int BURST = Integer.parseInt(System.getenv().getOrDefault("BURST", "100"));
    static final Duration WAIT = Duration.ofMinutes(10);
    /** The operator's {@code quarkus.operator-sdk.concurrent-reconciliation-threads}, for the floor's writes. */
    private static final int RECONCILE_THREADS = 24;

    @Test
    void createToReadyWarmAndCold(EmbeddedControlPlane plane) throws Exception {
        assumeTrue(plane.isComplete(), plane.binaries().whyIncomplete());
        KubernetesClient client = plane.client();
        ClusterFixtures.prepareForOperator(client);
        StringBuilder report = new StringBuilder();
        StringBuilder requests = new StringBuilder();
        try (OperatorProcess operator = OperatorProcess.start(plane, "operator-bench", operatorJar(),
                operatorJvm(), Map.of(), operatorSettings())) {
            report.append("| case | sandboxes | p50 ms | p99 ms | max ms | all Ready after ms | adopted |\n")
                    .append("|---|---|---|---|---|---|---|\n");
            // Sequential, pool large enough that it never runs dry: each sandbox adopts.
            report.append(sequential(client, "warm sequential", true)).append('\n');
            report.append(sequential(client, "cold sequential", false)).append('\n');
            Burst warm = burst(client, "warm burst (pool of " + BURST + ")", true, operator.pid());
            report.append(warm.row()).append('\n');
            requests.append("Warm burst: ").append(warm.requests()).append('\n');
            Burst cold = burst(client, "cold burst", false, operator.pid());
            report.append(cold.row()).append('\n');
            requests.append("Cold burst: ").append(cold.requests()).append('\n');
            AgentSandboxStatus adoptedStatus = Sandboxes.sandbox(client, warm.namespace(), "burst-0").get().getStatus();
            String floorNamespace = prepare(client, BURST);
            keepLog(operator);
            operator.close();
            Burst floor = floor(client, floorNamespace, adoptedStatus);
            requests.append("Floor: ").append(floor.requests()).append('\n');
            report.append(floor.row()).append('\n').append('\n')
                    .append(String.format(java.util.Locale.ROOT, "Warm burst all Ready / floor: %.1f%n%n",
                            (double) warm.all() / floor.all()))
                    .append(requests)
                    .append("The burst's creates alone (no operator, nothing else written): all answered after ")
                    .append(createsAlone(client)).append(" ms\n\n");
        }
        publish(report);
        String peerBuild = System.getenv().getOrDefault("AGENT_SANDBOX_DIR", "");
        if (!peerBuild.isBlank()) {
            try (PeerWarmPool peer = PeerWarmPool.start(plane, Path.of(peerBuild))) {
                report.append(peerCases(peer));
            }
            publish(report);
        }
    }

    /** The report so far (the operator's rows stay if the peer's run fails). */
    private static void publish(StringBuilder report) throws java.io.IOException {
        LOG.info("\n" + report);
        Files.writeString(Path.of(System.getenv().getOrDefault("BENCH_OUT", "target/warm-pool-bench.md")),
                report.toString());
    }

    /** The same cases with the kubernetes-sigs/agent-sandbox controller: SandboxClaims instead of AgentSandboxes. */
    private static String peerCases(PeerWarmPool peer) throws Exception {
        StringBuilder rows = new StringBuilder();
        String label = "agent-sandbox: ";
        String namespace = peer.prepare(SEQUENTIAL);
        try (ReadyClock<?> clock = peer.claims(namespace)) {
            rows.append(sequential(label + "warm sequential", clock, () -> peer.adopted(namespace))).append('\n');
        }
        String cold = peer.prepare(0);
        try (ReadyClock<?> clock = peer.claims(cold)) {
            rows.append(sequential(label + "cold sequential", clock, () -> peer.adopted(cold))).append('\n');
        }
        String burst = peer.prepare(BURST);
        try (ReadyClock<?> clock = peer.claims(burst)) {
            rows.append(burst(label + "warm burst (pool of " + BURST + ")", clock, () -> peer.adopted(burst)))
                    .append('\n');
        }
        String coldBurst = peer.prepare(0);
        try (ReadyClock<?> clock = peer.claims(coldBurst)) {
            rows.append(burst(label + "cold burst", clock, () -> peer.adopted(coldBurst))).append('\n');
        }
        return rows.toString();
    }

    /** {@code BENCH_SETTINGS="key=value key=value"}: operator settings to compare (e.g. a log level, a thread count). */
    private static Map<String, String> operatorSettings() {
        Map<String, String> settings = new java.util.LinkedHashMap<>();
        for (String setting : System.getenv().getOrDefault("BENCH_SETTINGS", "").trim().split("\\s+")) {
            int eq = setting.indexOf('=');
            if (eq > 0) {
                settings.put(setting.substring(0, eq), setting.substring(eq + 1));
            }
        }
        return settings;
    }

    /** {@code OPERATOR_JAR=<quarkus-run.jar>}: another build of the operator (main's, say), else this one. */
    private static Path operatorJar() {
        String other = System.getenv().getOrDefault("OPERATOR_JAR", "");
        return other.isBlank() ? OperatorProcess.jar() : Path.of(other);
    }

    /**
     * The operator's JVM options: the tests', and {@code BENCH_JVM="option ..."} after them (a flight recording, say).
     */
    private static List<String> operatorJvm() {
        List<String> options = new ArrayList<>(OperatorProcess.JVM_OPTIONS);
        String extra = System.getenv().getOrDefault("BENCH_JVM", "").trim();
        if (!extra.isEmpty()) {
            options.addAll(List.of(extra.split("\\s+")));
        }
        return options;
    }

    /** {@code BENCH_OPERATOR_LOG=<file>}: the operator's log is copied there (the control plane's work dir goes). */
    private static void keepLog(OperatorProcess operator) throws java.io.IOException {
        String target = System.getenv("BENCH_OPERATOR_LOG");
        if (target != null && !target.isBlank()) {
            Files.copy(operator.logFile(), Path.of(target), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String sequential(KubernetesClient client, String label, boolean warm) throws Exception {
        String namespace = prepare(client, warm ? SEQUENTIAL : 0);
        try (ReadyClock<AgentSandbox> clock = sandboxes(client, namespace)) {
            return sequential(label, clock, () -> adopted(client, namespace));
        }
    }

    private static Burst burst(KubernetesClient client, String label, boolean warm, long operatorPid)
            throws Exception {
        String namespace = prepare(client, warm ? BURST : 0);
        BurstCost before = BurstCost.read(client, OptionalLong.of(operatorPid));
        try (ReadyClock<AgentSandbox> clock = sandboxes(client, namespace)) {
            String row = burst(label, clock, () -> adopted(client, namespace));
            return new Burst(namespace, row, clock.lastReady(),
                    BurstCost.read(client, OptionalLong.of(operatorPid)).since(before, BURST));
        }
    }

    /**
     * A burst's row, its namespace, the time until all its sandboxes were Ready, and the API requests served from
     * its start until all were Ready and counted (the pool's refill after it included, as far as it got).
     */
    private record Burst(String namespace, String row, long all, String requests) {
    }

    /**
     * The floor (see the class comment): with no operator, the driver itself writes, per sandbox, its create, the
     * claim of a warm pod and a Ready status.
     */
    private static Burst floor(KubernetesClient client, String namespace, AgentSandboxStatus adopted)
            throws Exception {
        List<Pod> pods = Pools.unclaimed(client, namespace, "warm");
        assertThat(pods).hasSize(BURST);
        ExecutorService reconcilers = Executors.newFixedThreadPool(RECONCILE_THREADS);
        Map<String, Pod> podOf = new ConcurrentHashMap<>();
        for (int i = 0; i < BURST; i++) {
            podOf.put("burst-" + i, pods.get(i));
        }
        BurstCost before = BurstCost.read(client, OptionalLong.empty());
        try (ReadyClock<AgentSandbox> clock = sandboxes(client, namespace, name -> {
            AgentSandbox sandbox = client.resource(Pools.templated(namespace, name, "python")).create();
            reconcilers.execute(() -> adoptByHand(client, sandbox, podOf.get(name), adopted));
        })) {
            String row = burst("floor: create, claim, status; no operator", clock, () -> 0L);
            return new Burst(namespace, row, clock.lastReady(), BurstCost.read(client, OptionalLong.empty())
                    .since(before, BURST));
        } finally {
            reconcilers.shutdown();
        }
    }

    /** Milliseconds until the API server has answered a burst's creates (the driver's threads), with no operator. */
    private static long createsAlone(KubernetesClient client) throws Exception {
        String namespace = prepare(client, 0);
        ExecutorService threads = Executors.newFixedThreadPool(16);
        try {
            long start = System.nanoTime();
            List<CompletableFuture<Void>> created = new ArrayList<>();
            for (int i = 0; i < BURST; i++) {
                String name = "burst-" + i;
                created.add(CompletableFuture.runAsync(() -> client.resource(Pools.templated(namespace, name,
                        "python")).create(), threads));
            }
            CompletableFuture.allOf(created.toArray(CompletableFuture[]::new)).get();
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        } finally {
            threads.shutdown();
        }
    }

    /** The claim and the status, as the operator writes them on its shortest warm path. */
    private static void adoptByHand(KubernetesClient client, AgentSandbox sandbox, Pod pod, AgentSandboxStatus status) {
        Map<String, Object> labels = new java.util.LinkedHashMap<>();
        labels.put(WarmSlots.POOL_LABEL, null);
        labels.put(SandboxObjects.SANDBOX_LABEL, sandbox.getMetadata().getName());
        Map<String, Object> metadata = new java.util.LinkedHashMap<>();
        metadata.put("resourceVersion", pod.getMetadata().getResourceVersion());
        metadata.put("labels", labels);
        metadata.put("ownerReferences", List.of(new OwnerReferenceBuilder().withApiVersion(sandbox.getApiVersion())
                .withKind(sandbox.getKind()).withName(sandbox.getMetadata().getName())
                .withUid(sandbox.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build()));
        // One request, as the operator's claim: a patch named by withName() would GET the pod first.
        Pod named = new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata()
                .withNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).endMetadata()
                .build();
        client.resource(named).patch(PatchContext.of(PatchType.JSON_MERGE),
                new KubernetesSerialization().asJson(Map.of("metadata", metadata)));
        AgentSandboxStatus ready = new KubernetesSerialization().clone(status);
        ready.setPodName(pod.getMetadata().getName());
        sandbox.setStatus(ready);
        client.resource(sandbox).patchStatus();
    }

    static String sequential(String label, ReadyClock<?> clock, Supplier<Long> adopted) throws Exception {
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < SEQUENTIAL; i++) {
            String name = "seq-" + i;
            long created = clock.create(name);
            millis.add(TimeUnit.NANOSECONDS.toMillis(clock.awaitReady(name) - created));
        }
        return row(label, millis, -1, adopted.get());
    }

    static String burst(String label, ReadyClock<?> clock, Supplier<Long> adopted) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(16);
        try {
            long start = System.nanoTime();
            clock.started(start);
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
                        return row(label, millis, TimeUnit.NANOSECONDS.toMillis(last - start), adopted.get());
        } finally {
            threads.shutdown();
        }
    }

    private static ReadyClock<AgentSandbox> sandboxes(KubernetesClient client, String namespace) {
        return sandboxes(client, namespace, name -> client.resource(Pools.templated(namespace, name, "python"))
                .create());
    }

    private static ReadyClock<AgentSandbox> sandboxes(KubernetesClient client, String namespace,
                                                      Consumer<String> creator) {
        return new ReadyClock<>(client.resources(AgentSandbox.class).inNamespace(namespace),
                s -> s.getStatus() != null && s.getStatus().getPhase() == SandboxPhase.READY, creator);
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

    static String row(String label, List<Long> millis, long all, long adopted) {
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

    /** Creates objects and notes when the watch first shows each ready. */
    static final class ReadyClock<T extends HasMetadata> implements AutoCloseable {

        private final Consumer<String> creator;
        private final Map<String, CompletableFuture<Long>> ready = new ConcurrentHashMap<>();
        private final Watch watch;
        private long started;

        ReadyClock(Watchable<T> objects, Predicate<T> isReady, Consumer<String> creator) {
            this.creator = creator;
            this.watch = objects.watch(new Watcher<>() {
                @Override
                public void eventReceived(Action action, T object) {
                    if (isReady.test(object)) {
                        future(object.getMetadata().getName()).complete(System.nanoTime());
                    }
                }

                @Override
                public void onClose(WatcherException cause) {
                }
            });
        }

        /** When the burst began: {@link #lastReady()} counts from there. */
        void started(long nanos) {
            this.started = nanos;
        }

        /** Milliseconds from the burst's start until the last sandbox was Ready. */
        long lastReady() {
            return TimeUnit.NANOSECONDS.toMillis(ready.values().stream().mapToLong(CompletableFuture::join).max()
                    .orElse(started) - started);
        }

        long create(String name) {
            long start = System.nanoTime();
            creator.accept(name);
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
