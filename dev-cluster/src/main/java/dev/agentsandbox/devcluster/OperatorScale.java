package dev.agentsandbox.devcluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import dev.agentsandbox.operator.dependent.SandboxObjects;
import dev.agentsandbox.operator.testing.ChildProcess;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.EmbeddedControlPlane;
import dev.agentsandbox.operator.testing.OperatorProcess;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.readiness.Readiness;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * {@code bench/operator-scale.sh}: how long N AgentSandboxes created at once take to be Ready on the embedded control
 * plane with kwok Nodes, against N bare equivalent Pods created directly in the same run, and, when its binary is
 * given, the kubernetes-sigs/agent-sandbox controller with N Sandboxes of the same Pod. Per sandbox, from the
 * driver's own watches: created → its Pod created (the operator's share), Pod created → Pod Running (scheduler and
 * kwok), Pod Running → sandbox Ready (the operator's share again). The operator's (and the peer's) RSS and CPU time
 * from {@code /proc}, the CPU time of each control-plane process, and every API request from the API server's audit
 * log, by user agent and verb/resource.
 *
 * <p>Before any operator's burst, the <em>floor</em> ({@link FloorWrites}): the driver creates N AgentSandboxes with no
 * operator running and makes, for each, the writes the operator made for the warm-up sandbox, on as many threads as
 * the operator reconciles with. Its time to all Ready is what the API server, etcd, the scheduler and kwok cost N
 * sandboxes whatever the operator does; what the operator adds beyond it is its own share. The per-sandbox legs above
 * cannot show that share once the API server is the bottleneck: they count its time for the operator's writes as
 * the operator's, and read ~70 % "operator" for the floor itself, with no operator at all.
 *
 * <p>Settings (system properties): {@code bench.count} (1000), {@code bench.nodes} (kwok Nodes, 20),
 * {@code bench.operator.jvm} (the operator's JVM options), {@code bench.idle.seconds} (the quiet window after all
 * are Ready in which requests are counted again, 30), {@code bench.agent-sandbox.dir} (the peer's build: its
 * {@code manager} and {@code sandboxes-crd.yaml}; none: no peer run), {@code bench.out} (Markdown to this file too).
 * Argument: the work directory.
 */
public final class OperatorScale {

    private static final String USER_AGENT = "agentsandbox-bench";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration ALL_READY_TIMEOUT = Duration.ofMinutes(15);
    /** The operator's {@code quarkus.operator-sdk.concurrent-reconciliation-threads}, for the floor's writes. */
    private static final int RECONCILE_THREADS = 24;
    private static final ResourceDefinitionContext PEER_SANDBOXES = new ResourceDefinitionContext.Builder()
            .withGroup("agents.x-k8s.io").withVersion("v1beta1").withPlural("sandboxes").withKind("Sandbox")
            .withNamespaced(true).build();

    private final int count = Integer.getInteger("bench.count", 1000);
    private final int nodes = Integer.getInteger("bench.nodes", 20);
    private final int idleSeconds = Integer.getInteger("bench.idle.seconds", 30);
    private final List<String> operatorJvm = options(System.getProperty("bench.operator.jvm",
            "-XX:+UseSerialGC -Xss512k -XX:MaxRAMPercentage=75 -XX:MaxRAM=512m"));
    private final Map<String, String> operatorEnv = environment(System.getProperty("bench.operator.env", ""));
    private final String beforeJar = System.getProperty("bench.before.jar", "");
    private final List<String> beforeJvm = options(System.getProperty("bench.before.jvm", ""));
    private final Map<String, String> beforeEnv = environment(System.getProperty("bench.before.env", ""));
    private final String peerDir = System.getProperty("bench.agent-sandbox.dir", "");
    private final StringBuilder report = new StringBuilder();
    private final Path workDir;
    private EmbeddedControlPlane plane;
    private KubernetesClient client;
    private Path auditLog;
    private PodSpec peerPodSpec;
    /** The operator's writes made by the driver with no operator (see {@link FloorWrites}); null until measured. */
    private Phase floor;
    private final java.util.concurrent.atomic.AtomicInteger retriedCreations = new java.util.concurrent.atomic.AtomicInteger();

    private OperatorScale(Path workDir) {
        this.workDir = workDir;
    }

    public static void main(String[] args) throws Exception {
        Path workDir = Paths.get(args.length > 0 ? args[0] : "target/operator-scale").toAbsolutePath();
        Files.createDirectories(workDir);
        try {
            new OperatorScale(workDir).run();
        } catch (Exception e) {
            // The clients' threads would keep a failed run's JVM alive.
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    private void run() throws Exception {
        auditLog = workDir.resolve("audit.log");
        Path policy = workDir.resolve("audit-policy.yaml");
        // Metadata only: who (the user agent), what (verb, resource), no bodies.
        Files.writeString(policy, """
                apiVersion: audit.k8s.io/v1
                kind: Policy
                omitStages: [RequestReceived]
                rules:
                - level: Metadata
                """);
        LocalRun.say("control plane with " + nodes + " kwok Nodes; work directory " + workDir);
        EmbeddedControlPlane started = EmbeddedControlPlane.start(workDir, nodes, "127.0.0.1", List.of(
                "--audit-policy-file", policy.toString(), "--audit-log-path", auditLog.toString(),
                "--audit-log-format", "json", "--audit-log-mode", "batch", "--audit-log-maxsize", "0"));
        plane = started;
        try (started) {
            Config config = Config.fromKubeconfig(Files.readString(plane.kubeconfig()));
            config.setUserAgent(USER_AGENT);
            // Enough connections that the driver's burst is not what paces it.
            config.setMaxConcurrentRequests(256);
            config.setMaxConcurrentRequestsPerHost(256);
            // The API server answers slowly under a burst on a loaded machine (the peer's Sandbox CRD embeds a whole
            // PodSpec schema to validate): a creation that takes longer than the client's default 10 s is still a
            // creation, not a failure of the run.
            config.setRequestTimeout((int) Duration.ofMinutes(2).toMillis());
            client = new KubernetesClientBuilder().withConfig(config).build();
            ClusterFixtures.prepareForOperator(client);
            header();
            PodSpec podSpec;
            Phase bare;
            FloorWrites writes;
            try (OperatorProcess operator = startOperator("operator", OperatorProcess.jar(), operatorJvm,
                    operatorEnv)) {
                podSpec = warmUp(operator, "warmup");
                writes = FloorWrites.of(client, "warmup", "warmup");
            }
            peerPodSpec = podSpec;
            deleteNamespace("warmup");
            bare = bare(podSpec);
            deleteNamespace(bare.namespace);
            if (!Boolean.parseBoolean(System.getProperty("bench.operator", "true"))) {
                // The peer alone (against the same baseline): this operator's runs are recorded already.
                runPeer(bare, null);
                return;
            }
            try (writes) {
                floor = floor(writes);
            }
            table(bare, null, floor);
            // Before any operator starts: it would reconcile the floor's sandboxes.
            deleteNamespace(floor.namespace);
            if (!beforeJar.isBlank()) {
                // Another build first (the same control plane, the same baseline): before and after in one run.
                report.append("- before: `").append(beforeJar).append("`, JVM `").append(String.join(" ", beforeJvm))
                        .append("`, environment ").append(beforeEnv).append('\n');
                measure("before", Path.of(beforeJar), beforeJvm, beforeEnv, bare);
            }
            Phase ours = measure("after", OperatorProcess.jar(), operatorJvm, operatorEnv, bare);
            runPeer(bare, ours);
        } finally {
            publish();
        }
    }

    private void runPeer(Phase bare, Phase ours) throws IOException {
        if (peerDir.isBlank()) {
            return;
        }
        if (ours != null) {
            // Stopped first, the operator does not recreate what the namespace's deletion removes. The peer caches
            // every Pod of the cluster: ours go before it starts.
            deleteNamespace(ours.namespace);
        }
        table(bare, null, peer(peerPodSpec));
    }

    /**
     * One operator build: started with these options, warmed up with one sandbox, then the burst, the quiet window,
     * its table; stopped, its namespaces removed unless it is the last one (the peer's run removes that).
     */
    private Phase measure(String label, Path jar, List<String> jvm, Map<String, String> env, Phase bare)
            throws IOException {
        Phase ours;
        try (OperatorProcess operator = startOperator("operator-" + label, jar, jvm, env)) {
            warmUp(operator, "warmup-" + label);
            ours = sandboxes(operator, "scale-" + label);
            ours.idle = countIdle(operator.pid(), "fabric8");
            table(bare, floor, ours);
            if (Boolean.getBoolean("bench.histogram")) {
                histogram(operator.pid());
            }
            publish();
        }
        deleteNamespace("warmup-" + label);
        if ("before".equals(label)) {
            deleteNamespace(ours.namespace);
        }
        return ours;
    }

    /**
     * Started once more when the first start fails: on a machine loaded by other builds, the operator's first
     * connections to the API server may time out before it ever reconciles (its log stays in the work directory).
     */
    private OperatorProcess startOperator(String name, Path jar, List<String> jvm, Map<String, String> env) {
        try {
            return OperatorProcess.start(plane, name, jar, jvm, env, Map.of());
        } catch (IllegalStateException failedToStart) {
            LocalRun.say(name + " did not start, once more: " + failedToStart.getMessage().lines().findFirst()
                    .orElse(""));
            report.append("- ").append(name).append(" started at the second attempt (the first: ")
                    .append(failedToStart.getMessage().lines().findFirst().orElse("")).append(")\n");
            return OperatorProcess.start(plane, name + "-again", jar, jvm, env, Map.of());
        }
    }

    private static List<String> options(String text) {
        return text.isBlank() ? List.of() : Arrays.stream(text.trim().split("\\s+")).toList();
    }

    /** {@code NAME=value NAME=value}. */
    private static Map<String, String> environment(String text) {
        Map<String, String> env = new TreeMap<>();
        options(text).forEach(pair -> env.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1)));
        return env;
    }

    /** The report so far, on stdout and in {@code bench.out}. */
    private void publish() throws IOException {
        String text = report.toString();
        System.out.println("\n" + text);
        String out = System.getProperty("bench.out", "");
        if (!out.isBlank()) {
            Files.writeString(Path.of(out), text);
        }
    }

    private void header() throws IOException {
        String load = Files.readString(Path.of("/proc/loadavg")).trim();
        report.append("- ").append(count).append(" at once, ").append(nodes).append(" kwok Nodes, ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores; load average before: ")
                .append(load).append('\n')
                .append("- operator JVM: `").append(String.join(" ", operatorJvm)).append("`\n");
    }

    /** One sandbox first: the operator's JVM warms up, and its Pod is the template of the bare and peer Pods. */
    private PodSpec warmUp(OperatorProcess operator, String namespaceName) {
        String namespace = namespace(namespaceName);
        client.resource(TestSandboxes.minimal(namespace, "warmup")).create();
        awaitUntil("the warm-up sandbox Ready", Duration.ofMinutes(3), () -> {
            AgentSandbox s = client.resources(AgentSandbox.class).inNamespace(namespace).withName("warmup").get();
            return s != null && s.getStatus() != null && s.getStatus().getPhase() == SandboxPhase.READY;
        });
        Pod pod = client.pods().inNamespace(namespace).withLabel("agentsandbox.dev/sandbox", "warmup").list()
                .getItems().get(0);
        PodSpec spec = Serialization.clone(pod.getSpec());
        spec.setNodeName(null);
        report.append("- operator RSS after one sandbox: ").append(rssMiB(operator.pid())).append(" MiB\n");
        return spec;
    }

    private Phase bare(PodSpec podSpec) {
        String namespace = namespace("bare");
        Phase phase = new Phase("bare Pods", namespace);
        Timeline pods = phase.watch(client.pods().inNamespace(namespace), p -> p.getMetadata().getName(),
                Readiness::isPodReady);
        phase.start();
        burst(i -> client.pods().inNamespace(namespace).resource(new PodBuilder()
                .withMetadata(new ObjectMetaBuilder().withName("bare-" + i).withLabels(Map.of("bench", "bare"))
                        .build()).withSpec(Serialization.clone(podSpec)).build()).create());
        phase.awaitAll(pods);
        phase.finish(0);
        phase.child = pods;
        return phase;
    }

    /** The AgentSandboxes of the phase's namespace, by name, until Ready. */
    private Timeline watchSandboxes(Phase phase) {
        return phase.watch(client.resources(AgentSandbox.class).inNamespace(phase.namespace),
                s -> s.getMetadata().getName(),
                s -> s.getStatus() != null && s.getStatus().getPhase() == SandboxPhase.READY);
    }

    /** The sandboxes' Pods of the phase's namespace, by their sandbox's name, until Ready. */
    private Timeline watchSandboxPods(Phase phase) {
        return phase.watch(client.pods().inNamespace(phase.namespace),
                p -> p.getMetadata().getLabels().getOrDefault(SandboxObjects.SANDBOX_LABEL, "?"),
                Readiness::isPodReady);
    }

    /**
     * The floor: the driver creates the AgentSandboxes as in an operator's burst and, on as many threads as the
     * operator reconciles with, makes the writes the operator would ({@link FloorWrites}), with no operator running.
     */
    private Phase floor(FloorWrites writes) throws IOException {
        String namespace = namespace("floor");
        Phase phase = new Phase("the floor: the operator's writes made by the driver, no operator", namespace);
        Timeline sandboxes = watchSandboxes(phase);
        Timeline pods = watchSandboxPods(phase);
        ExecutorService reconcilers = Executors.newFixedThreadPool(RECONCILE_THREADS);
        Map<String, AgentSandbox> created = new ConcurrentHashMap<>();
        java.util.Set<String> readyWritten = ConcurrentHashMap.newKeySet();
        SharedIndexInformer<Pod> podsReady = client.pods().inNamespace(namespace).inform(
                new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Pod pod) {
                        onUpdate(null, pod);
                    }

                    @Override
                    public void onUpdate(Pod old, Pod pod) {
                        String sandbox = pod.getMetadata().getLabels().get(SandboxObjects.SANDBOX_LABEL);
                        if (sandbox != null && Readiness.isPodReady(pod) && readyWritten.add(sandbox)) {
                            reconcilers.execute(() -> writes.ready(client, created.get(sandbox)));
                        }
                    }

                    @Override
                    public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
                    }
                });
        long auditBefore = auditSize();
        try {
            phase.start();
            burst(i -> {
                AgentSandbox sandbox = client.resource(TestSandboxes.minimal(namespace, "s-" + i)).create();
                created.put(sandbox.getMetadata().getName(), sandbox);
                reconcilers.execute(() -> writes.createChildren(client, sandbox));
            });
            phase.awaitAll(sandboxes);
            phase.finish(0);
        } finally {
            podsReady.close();
            reconcilers.shutdownNow();
        }
        phase.parent = sandboxes;
        phase.child = pods;
        // The driver's own requests: its creates of the sandboxes and the writes it made for the operator.
        phase.requests = auditCounts(auditBefore, USER_AGENT);
        return phase;
    }

    private Phase sandboxes(OperatorProcess operator, String namespaceName) throws IOException {
        String namespace = namespace(namespaceName);
        Phase phase = new Phase("AgentSandboxes (this operator, " + namespaceName + ")", namespace);
        Timeline sandboxes = watchSandboxes(phase);
        Timeline pods = watchSandboxPods(phase);
        controllerBurst(phase, operator.pid(), "fabric8", sandboxes, pods,
                i -> client.resource(TestSandboxes.minimal(namespace, "s-" + i)).create());
        return phase;
    }

    private Phase peer(PodSpec podSpec) throws IOException {
        Path dir = Path.of(peerDir);
        GenericKubernetesResource crd = ClusterFixtures.readManifests(dir.resolve("sandboxes-crd.yaml")).get(0);
        // Its conversion webhook needs the controller's Service: one stored version is enough here.
        @SuppressWarnings("unchecked")
        Map<String, Object> crdSpec = (Map<String, Object>) crd.getAdditionalProperties().get("spec");
        crdSpec.put("conversion", Map.of("strategy", "None"));
        client.resource(crd).fieldManager(ClusterFixtures.TEST_FIELD_MANAGER).forceConflicts().serverSideApply();
        awaitUntil("the Sandbox CRD established", Duration.ofMinutes(1), () -> ClusterFixtures.established(
                client.apiextensions().v1().customResourceDefinitions().withName("sandboxes.agents.x-k8s.io").get()));
        ChildProcess manager = ChildProcess.start("agent-sandbox-controller", List.of(
                        dir.resolve("manager").toString(), "--enable-webhook=false", "--leader-elect=false",
                        "--metrics-bind-address=0", "--health-probe-bind-address=127.0.0.1:0",
                        "--kubeconfig", plane.kubeconfig().toString()),
                Map.of("KUBECONFIG", plane.kubeconfig().toString()), workDir.resolve("logs"));
        try (manager) {
            LocalRun.sleep(Duration.ofSeconds(5));
            manager.assertAlive();
            report.append("- agent-sandbox controller RSS at start: ").append(rssMiB(manager.pid())).append(" MiB\n");
            String namespace = namespace("peer");
            Phase phase = new Phase("Sandboxes (kubernetes-sigs/agent-sandbox)", namespace);
            Timeline sandboxes = phase.watch(client.genericKubernetesResources(PEER_SANDBOXES).inNamespace(namespace),
                    s -> s.getMetadata().getName(), OperatorScale::peerReady);
            Timeline pods = phase.watch(client.pods().inNamespace(namespace), p -> p.getMetadata().getName(),
                    Readiness::isPodReady);
            controllerBurst(phase, manager.pid(), "manager", sandboxes, pods,
                    i -> client.genericKubernetesResources(PEER_SANDBOXES).inNamespace(namespace)
                            .resource(peerSandbox(namespace, "s-" + i, podSpec)).create());
            phase.idle = countIdle(manager.pid(), "manager");
            return phase;
        }
    }

    /**
     * The burst of a controller's objects, timed by their watches, with the controller's CPU time and its API
     * requests (by the user agent's prefix) during it.
     */
    private void controllerBurst(Phase phase, long pid, String userAgentPrefix, Timeline objects, Timeline pods,
                                 java.util.function.IntConsumer create) throws IOException {
        long cpuBefore = cpuMillis(pid);
        long auditBefore = auditSize();
        phase.start();
        burst(create);
        phase.awaitAll(objects);
        phase.finish(pid);
        phase.cpuMillis = cpuMillis(pid) - cpuBefore;
        phase.parent = objects;
        phase.child = pods;
        phase.requests = auditCounts(auditBefore, userAgentPrefix);
    }

    private static boolean peerReady(GenericKubernetesResource sandbox) {
        JsonNode conditions = JSON.valueToTree(sandbox.getAdditionalProperties().get("status")).path("conditions");
        for (JsonNode condition : conditions) {
            if ("Ready".equals(condition.path("type").asText()) && "True".equals(condition.path("status").asText())) {
                return true;
            }
        }
        return false;
    }

    private static GenericKubernetesResource peerSandbox(String namespace, String name, PodSpec podSpec) {
        GenericKubernetesResource sandbox = new GenericKubernetesResource();
        sandbox.setApiVersion("agents.x-k8s.io/v1beta1");
        sandbox.setKind("Sandbox");
        sandbox.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        sandbox.setAdditionalProperty("spec", Map.of("podTemplate", Map.of("spec",
                JSON.convertValue(podSpec, Map.class))));
        return sandbox;
    }

    /** The live objects of the operator's heap with all sandboxes Ready, the biggest classes first. */
    private void histogram(long pid) {
        try {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(pid), "GC.class_histogram").redirectErrorStream(true).start();
            List<String> lines = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                    .toList();
            jcmd.waitFor(2, TimeUnit.MINUTES);
            report.append("\nLive heap, biggest classes (`jcmd GC.class_histogram`):\n\n```\n");
            lines.stream().limit(32).forEach(line -> report.append(line).append('\n'));
            lines.stream().filter(line -> line.startsWith("Total")).forEach(line -> report.append(line).append('\n'));
            report.append("```\n");
            threads(pid);
            // With -XX:NativeMemoryTracking=summary: where the rest of the RSS is (metaspace, code, threads...).
            Process nmt = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(pid), "VM.native_memory", "summary").redirectErrorStream(true).start();
            List<String> memory = new String(nmt.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(line -> line.startsWith("Total") || line.matches("^-\\s+\\S.*")).toList();
            nmt.waitFor(2, TimeUnit.MINUTES);
            if (!memory.isEmpty()) {
                report.append("\nNative Memory Tracking (`jcmd VM.native_memory summary`), RSS ")
                        .append(rssMiB(pid)).append(" MiB:\n\n```\n");
                memory.forEach(line -> report.append(line.trim()).append('\n'));
                report.append("```\n");
            }
        } catch (IOException e) {
            report.append("\n(no histogram: ").append(e.getMessage()).append(")\n");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The operator's threads by name (numbers dropped: one line per pool), the most numerous first. */
    private void threads(long pid) throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid), "Thread.print").redirectErrorStream(true).start();
        Map<String, Long> pools = new TreeMap<>();
        new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                .filter(line -> line.startsWith("\""))
                .map(line -> line.substring(1, line.indexOf('"', 1)).replaceAll("[0-9]+", "N"))
                .forEach(name -> pools.merge(name, 1L, Long::sum));
        jcmd.waitFor(2, TimeUnit.MINUTES);
        report.append("\nThreads (`jcmd Thread.print`, by name; ").append(procStatus(pid, "Threads:"))
                .append(" in all, with the JVM's own):\n\n```\n");
        pools.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(pool -> report.append(pool.getValue()).append("  ").append(pool.getKey()).append('\n'));
        report.append("```\n");
    }

    /** Requests by the process after all are Ready, in a quiet window: what it costs to keep N sandboxes. */
    private Map<String, Long> countIdle(long pid, String userAgentPrefix) throws IOException {
        long before = auditSize();
        LocalRun.sleep(Duration.ofSeconds(idleSeconds));
        return auditCounts(before, userAgentPrefix);
    }

    /** Creates {@code count} objects from 32 threads, as many clients at once would. */
    private void burst(java.util.function.IntConsumer create) {
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            List<Future<?>> created = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = i;
                created.add(pool.submit(() -> createWithRetries(create, n)));
            }
            for (Future<?> f : created) {
                f.get(10, TimeUnit.MINUTES);
            }
        } catch (Exception e) {
            throw new IllegalStateException("the burst of creations failed", e);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A creation the API server did not answer in time (a 504, or the client's timeout) is tried again, as a client
     * would, at most twice; a conflict on a retry means the earlier attempt created it.
     */
    private void createWithRetries(java.util.function.IntConsumer create, int n) {
        for (int attempt = 1; ; attempt++) {
            try {
                create.accept(n);
                return;
            } catch (KubernetesClientException e) {
                if (attempt > 1 && e.getCode() == 409) {
                    return;
                }
                if (attempt == 3) {
                    throw e;
                }
                LocalRun.say("creation " + n + " failed (" + e.getCode() + "), again: " + e.getMessage()
                        .lines().findFirst().orElse(""));
                retriedCreations.incrementAndGet();
            }
        }
    }

    private String namespace(String name) {
        client.resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
        return name;
    }

    private void deleteNamespace(String namespace) {
        client.namespaces().withName(namespace).delete();
        awaitUntil("namespace " + namespace + " gone", Duration.ofMinutes(5),
                () -> client.namespaces().withName(namespace).get() == null);
    }

    // --- the API server's audit log

    private long auditSize() throws IOException {
        // Batch mode writes behind: let what happened so far reach the file.
        LocalRun.sleep(Duration.ofSeconds(2));
        return Files.exists(auditLog) ? Files.size(auditLog) : 0;
    }

    /** Requests by user agents starting with {@code prefix} since {@code offset}: "verb resource[/sub]" → count. */
    private Map<String, Long> auditCounts(long offset, String prefix) throws IOException {
        LocalRun.sleep(Duration.ofSeconds(2));
        Map<String, Long> counts = new TreeMap<>();
        try (RandomAccessFile file = new RandomAccessFile(auditLog.toFile(), "r")) {
            file.seek(offset);
            BufferedReader lines = new BufferedReader(new java.io.InputStreamReader(
                    java.nio.channels.Channels.newInputStream(file.getChannel()), StandardCharsets.UTF_8));
            String line;
            while ((line = lines.readLine()) != null) {
                JsonNode event = JSON.readTree(line);
                if (!"ResponseComplete".equals(event.path("stage").asText())
                        && !"ResponseStarted".equals(event.path("stage").asText())) {
                    continue;
                }
                // A watch logs ResponseStarted and, when it ends, ResponseComplete: count it once.
                if ("watch".equals(event.path("verb").asText()) && "ResponseComplete".equals(event.path("stage")
                        .asText())) {
                    continue;
                }
                if (!event.path("userAgent").asText().startsWith(prefix)) {
                    continue;
                }
                JsonNode ref = event.path("objectRef");
                String resource = ref.path("resource").asText("-") + (ref.has("subresource")
                        ? "/" + ref.path("subresource").asText() : "");
                counts.merge(event.path("verb").asText() + " " + resource, 1L, Long::sum);
            }
        }
        return counts;
    }

    // --- /proc

    static long rssMiB(long pid) {
        return procStatus(pid, "VmRSS:") / 1024;
    }

    static long procStatus(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return -1;
    }

    /** CPU time (ms) of each process of the control plane, by name. */
    private Map<String, Long> planeCpuMillis() {
        Map<String, Long> cpu = new LinkedHashMap<>();
        plane.processIds().forEach((name, pid) -> cpu.put(name, cpuMillis(pid)));
        return cpu;
    }

    /** utime + stime of the process, in ms (clock ticks of 10 ms). */
    static long cpuMillis(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // --- the report

    /** {@code sameWritesAlone}: null, or the floor of an operator's phase (the same writes by the driver alone). */
    private void table(Phase baseline, Phase sameWritesAlone, Phase phase) {
        report.append("\n### ").append(phase.title).append('\n').append('\n');
        report.append("| what | value |\n|---|---|\n");
        row("all " + count + " Ready after (s)", seconds(phase.allReady));
        if (baseline != null) {
            row("bare Pods: all " + count + " Running and Ready after (s)", seconds(baseline.allReady));
            row("ratio to the bare Pods", String.format("%.2f", (double) phase.allReady / baseline.allReady));
            row("bare Pods: control plane CPU until all Running and Ready, s", planeCpuText(baseline));
        }
        if (sameWritesAlone != null) {
            row("the floor (the same writes by the driver, no operator): all Ready after (s)",
                    seconds(sameWritesAlone.allReady));
            row("ratio to the floor", String.format("%.2f", (double) phase.allReady / sameWritesAlone.allReady));
            row("the operator's share beyond the floor ((all Ready − floor) / all Ready)",
                    String.format("%.1f %%", 100.0 * (phase.allReady - sameWritesAlone.allReady) / phase.allReady));
        }
        if (phase.parent != null) {
            List<Long> created = new ArrayList<>();
            List<Long> running = new ArrayList<>();
            List<Long> ready = new ArrayList<>();
            List<Long> total = new ArrayList<>();
            long ownSum = 0;
            long totalSum = 0;
            for (Map.Entry<String, long[]> e : phase.parent.times.entrySet()) {
                long[] sandbox = e.getValue();
                long[] pod = phase.child.times.get(e.getKey());
                if (pod == null || sandbox[1] == 0 || pod[1] == 0) {
                    continue;
                }
                long a = Math.max(0, pod[0] - sandbox[0]);
                long b = Math.max(0, pod[1] - pod[0]);
                long c = Math.max(0, sandbox[1] - pod[1]);
                created.add(a);
                running.add(b);
                ready.add(c);
                total.add(sandbox[1] - sandbox[0]);
                ownSum += a + c;
                totalSum += sandbox[1] - sandbox[0];
            }
            row("per sandbox: created → its Pod created, ms (median / p90 / max)", percentiles(created));
            row("per sandbox: Pod created → Pod Running, ms (scheduler, kwok)", percentiles(running));
            row("per sandbox: Pod Running → sandbox Ready, ms", percentiles(ready));
            row("per sandbox: created → Ready, ms", percentiles(total));
            row("the controller's own share (created → Pod created + Pod Running → Ready) of created → Ready",
                    String.format("%.1f %%", 100.0 * ownSum / Math.max(1, totalSum)));
        }
        if (phase.pid != 0) {
            row("controller RSS at the end / peak (MiB)", phase.rssMiB + " / " + phase.hwmMiB);
            row("controller CPU during the burst (s)", String.format("%.1f", phase.cpuMillis / 1000.0));
        }
        if (!phase.planeCpu.isEmpty()) {
            // Where a burst's CPU goes besides the controller: the API server and etcd serve every write of it.
            row("control plane CPU until all Ready, s", planeCpuText(phase));
            row("the driver's CPU until all Ready (s)", seconds(phase.driverCpuMillis));
        }
        if (retriedCreations.get() > 0) {
            row("creations the driver tried again (the API server did not answer in time)",
                    Integer.toString(retriedCreations.getAndSet(0)));
        }
        if (phase.requests != null) {
            long all = phase.requests.values().stream().mapToLong(Long::longValue).sum();
            row("controller API requests during the burst (per sandbox)", all + String.format(" (%.2f)",
                    (double) all / count));
            row("… by verb and resource", phase.requests.toString());
        }
        if (phase.idle != null) {
            long all = phase.idle.values().stream().mapToLong(Long::longValue).sum();
            row("controller API requests in " + idleSeconds + " s after all are Ready", all + " "
                    + phase.idle);
        }
        try {
            row("load average after", Files.readString(Path.of("/proc/loadavg")).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String planeCpuText(Phase phase) {
        StringBuilder cpu = new StringBuilder();
        phase.planeCpu.forEach((name, millis) -> cpu.append(cpu.isEmpty() ? "" : ", ").append(name).append(' ')
                .append(seconds(millis)).append(String.format(" (%.1f ms per object)", (double) millis / count)));
        return cpu.toString();
    }

    private void row(String what, String value) {
        report.append("| ").append(what).append(" | ").append(value).append(" |\n");
    }

    private static String seconds(long millis) {
        return String.format("%.1f", millis / 1000.0);
    }

    private static String percentiles(List<Long> values) {
        if (values.isEmpty()) {
            return "–";
        }
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2) + " / " + sorted.get(sorted.size() * 9 / 10) + " / "
                + sorted.get(sorted.size() - 1);
    }

    /** A measured burst: when it started, the watches that time it. */
    private final class Phase {
        final String title;
        final String namespace;
        final List<SharedIndexInformer<?>> informers = new ArrayList<>();
        long started;
        long allReady;
        long pid;
        long rssMiB;
        long hwmMiB;
        long cpuMillis;
        Timeline parent;
        Timeline child;
        Map<String, Long> requests;
        Map<String, Long> idle;
        /** CPU time of each control-plane process (ms) when the burst started, and what it spent until all Ready. */
        Map<String, Long> planeCpuBefore = Map.of();
        Map<String, Long> planeCpu = Map.of();
        /** CPU time (ms) of this driver, whose writes are the floor's and whose watches time every phase. */
        long driverCpuMillis;

        Phase(String title, String namespace) {
            this.title = title;
            this.namespace = namespace;
            LocalRun.say(title + ": " + count + " at once in namespace " + namespace);
        }

        <T extends HasMetadata> Timeline watch(
                io.fabric8.kubernetes.client.dsl.Informable<T> source, Function<T, String> key, Predicate<T> ready) {
            Timeline timeline = new Timeline(key, ready);
            informers.add(source.inform(timeline.handler()));
            return timeline;
        }

        void start() {
            planeCpuBefore = planeCpuMillis();
            driverCpuMillis = cpuMillis(ProcessHandle.current().pid());
            started = System.currentTimeMillis();
        }

        /** Until all are Ready, or the timeout: then the table says how many were, and when the last of them. */
        void awaitAll(Timeline timeline) {
            try {
                awaitUntil(title + ": all " + count + " Ready", ALL_READY_TIMEOUT, () -> timeline.ready() >= count,
                        () -> LocalRun.say(title + ": " + timeline.ready() + " of " + count + " Ready after "
                                + (System.currentTimeMillis() - started) / 1000 + " s"));
            } catch (IllegalStateException timedOut) {
                LocalRun.say(timedOut.getMessage());
                report.append("- ").append(title).append(": only ").append(timeline.ready()).append(" of ")
                        .append(count).append(" Ready after ").append(ALL_READY_TIMEOUT.toMinutes())
                        .append(" min; the times below are those of the last one Ready\n");
            }
            allReady = timeline.lastReady() - started;
        }

        void finish(long processId) {
            Map<String, Long> now = planeCpuMillis();
            Map<String, Long> spent = new LinkedHashMap<>();
            now.forEach((name, cpu) -> spent.put(name, cpu - planeCpuBefore.getOrDefault(name, cpu)));
            planeCpu = spent;
            driverCpuMillis = cpuMillis(ProcessHandle.current().pid()) - driverCpuMillis;
            informers.forEach(SharedIndexInformer::close);
            if (processId != 0) {
                pid = processId;
                rssMiB = rssMiB(processId);
                hwmMiB = procStatus(processId, "VmHWM:") / 1024;
            }
            LocalRun.say(title + ": all Ready after " + seconds(allReady) + " s");
        }
    }

    /** Per object (by key): when the driver first saw it, and when first Ready ({@code [seen, ready]}, epoch ms). */
    private static final class Timeline {
        final Map<String, long[]> times = new ConcurrentHashMap<>();
        final Function<?, String> key;
        final Predicate<?> ready;

        Timeline(Function<?, String> key, Predicate<?> ready) {
            this.key = key;
            this.ready = ready;
        }

        @SuppressWarnings("unchecked")
        <T> ResourceEventHandler<T> handler() {
            Function<T, String> keyOf = (Function<T, String>) key;
            Predicate<T> isReady = (Predicate<T>) ready;
            return new ResourceEventHandler<>() {
                @Override
                public void onAdd(T obj) {
                    observe(obj);
                }

                @Override
                public void onUpdate(T oldObj, T newObj) {
                    observe(newObj);
                }

                @Override
                public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                }

                private void observe(T obj) {
                    long now = System.currentTimeMillis();
                    long[] t = times.computeIfAbsent(keyOf.apply(obj), k -> new long[] {now, 0});
                    if (t[1] == 0 && isReady.test(obj)) {
                        synchronized (t) {
                            if (t[1] == 0) {
                                t[1] = now;
                            }
                        }
                    }
                }
            };
        }

        long ready() {
            return times.values().stream().filter(t -> t[1] != 0).count();
        }

        long lastReady() {
            return times.values().stream().mapToLong(t -> t[1]).max().orElse(0);
        }
    }

    private static void awaitUntil(String what, Duration timeout, java.util.function.BooleanSupplier condition) {
        awaitUntil(what, timeout, condition, () -> { });
    }

    /** Polls every 100 ms, says how far it got every 10 s. */
    private static void awaitUntil(String what, Duration timeout, java.util.function.BooleanSupplier condition,
                                   Runnable progress) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextProgress = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout + " waiting for " + what);
            }
            if (System.nanoTime() > nextProgress) {
                progress.run();
                nextProgress = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            }
            LocalRun.sleep(Duration.ofMillis(100));
        }
    }
}
