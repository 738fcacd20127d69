package dev.agentsandbox.operator.status;

import dev.agentsandbox.operator.config.OperatorConfig;
import dev.agentsandbox.operator.plan.CpuSample;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.ContainerMetrics;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetrics;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetricsList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpResponse;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads the agent container's CPU use from the {@code metrics.k8s.io} API (metrics-server's PodMetrics) for idle
 * suspend, in the background: a read never waits for the API. Per namespace, one LIST of the PodMetrics of the pods
 * a label selector selects is kept as that namespace's latest snapshot; a read takes the pod's reading from it and,
 * when it is older than the freshness bound (the status refresh), starts the next LIST unless one is under way. So
 * the metrics API sees at most one request per namespace per status refresh however many sandboxes the namespace
 * holds, and a slow or hanging metrics-server holds no reconcile thread. A reading is at most about two refreshes old
 * (metrics-server itself measures every 15-60 s); a snapshot older than {@link #UNUSABLE_AFTER} refreshes (nothing read
 * the namespace for that long, e.g. all its sandboxes were paused) is not used, so an old reading never counts.
 * <p>
 * New snapshots do not trigger reconciles: a reading matters only at an idle check, and idle checks run on the
 * periodic reconcile of a ready sandbox, which takes the newest snapshot there is.
 * <p>
 * Whether the API is served is asked of API discovery once and again after {@code agentsandbox.metrics-api-recheck},
 * so a cluster without metrics-server costs one discovery request per recheck, not one failed read per sandbox or
 * namespace. Best effort: every request has a timeout, and any failure is a {@link CpuSample#unavailable} saying why,
 * never a failed reconcile.
 */
@ApplicationScoped
public class AgentCpuReader {

    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final String API = "/apis/metrics.k8s.io/v1beta1";
    static final String NOT_COUNTED = ": CPU use does not count as activity";
    static final String NO_READING = "the metrics API has not been read in this namespace recently (it is read in"
            + " the background)" + NOT_COUNTED;
    /** How many freshness periods a snapshot is used for at most. */
    static final int UNUSABLE_AFTER = 3;

    private static final Logger LOG = Logger.getLogger(AgentCpuReader.class);

    private final KubernetesClient client;
    private final Duration recheck;
    private final Duration freshness;
    private final Duration timeout;
    private final Clock clock;
    /** Answers are parsed here, not on the HTTP client's I/O threads: a namespace's list may be large. */
    private final Executor parsing = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "metrics-api");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<Scope, Readings> scopes = new ConcurrentHashMap<>();
    /** The last (or the pending) answer of discovery; null before the first and after a list that failed. */
    private final AtomicReference<CompletableFuture<Discovery>> discovery = new AtomicReference<>();
    private volatile Optional<String> logged;

    /** The pods one LIST reads: those of a namespace that a label selector selects. */
    private record Scope(String namespace, String selector) {
    }

    /** What discovery said at {@code at}: null {@code unavailable} when the API is served. */
    private record Discovery(String unavailable, Instant at) {
    }

    private record Answer(int code, String body, String failure) {
    }

    /**
     * One LIST's readings: the CPU use in cores by pod and container, or why there are none (null when there are).
     */
    private record Snapshot(Map<String, Map<String, BigDecimal>> cores, String unavailable, Instant at) {

        static Snapshot failed(String why, Instant at) {
            return new Snapshot(Map.of(), why, at);
        }

        CpuSample sample(String pod, String container) {
            if (unavailable != null) {
                return CpuSample.unavailable(unavailable);
            }
            Map<String, BigDecimal> containers = cores.get(pod);
            if (containers == null) {
                // metrics-server measures a new pod within its resolution (about a minute).
                return CpuSample.unavailable("the metrics API has no measurement of pod " + pod + " yet"
                        + NOT_COUNTED);
            }
            BigDecimal used = containers.get(container);
            return used != null ? CpuSample.cores(used) : CpuSample.unavailable(
                    "the metrics API has no measurement of container " + container + " yet" + NOT_COUNTED);
        }
    }

    /** A scope's latest snapshot, and whether a LIST of it is under way. */
    private static final class Readings {
        final AtomicBoolean reading = new AtomicBoolean();
        volatile Snapshot latest;
    }

    @Inject
    public AgentCpuReader(KubernetesClient client, OperatorConfig config) {
        this(client, config.metricsApiRecheck(), config.statusRefresh(), TIMEOUT, Clock.systemUTC());
    }

    AgentCpuReader(KubernetesClient client, Duration recheck, Duration freshness, Duration timeout, Clock clock) {
        this.client = client;
        this.recheck = recheck;
        this.freshness = freshness;
        this.timeout = timeout;
        this.clock = clock;
    }

    /**
     * The CPU use of {@code container} in the pod as the namespace's latest snapshot of the pods {@code selector}
     * selects has it, or why there is no reading; starts a new snapshot when that one is not fresh. Never waits.
     */
    public CpuSample read(String namespace, String selector, String pod, String container) {
        Scope scope = new Scope(namespace, selector);
        Readings readings = scopes.computeIfAbsent(scope, s -> new Readings());
        Snapshot latest = readings.latest;
        Instant now = clock.instant();
        if ((latest == null || !now.isBefore(latest.at().plus(freshness))) && readings.reading.compareAndSet(false,
                true)) {
            // Once per list: the namespaces nobody reads any more (their sandboxes gone) lose their snapshots.
            scopes.values().removeIf(other -> other != readings && !other.reading.get() && !usable(other.latest, now));
            refresh(scope, readings);
        }
        return usable(latest, now) ? latest.sample(pod, container) : CpuSample.unavailable(NO_READING);
    }

    /** How many namespaces' snapshots are kept. */
    int size() {
        return scopes.size();
    }

    private boolean usable(Snapshot snapshot, Instant now) {
        return snapshot != null && now.isBefore(snapshot.at().plus(freshness.multipliedBy(UNUSABLE_AFTER)));
    }

    private void refresh(Scope scope, Readings readings) {
        CompletableFuture<Snapshot> next;
        try {
            next = discovered().thenCompose(unavailable -> unavailable != null
                    ? CompletableFuture.completedFuture(Snapshot.failed(unavailable, clock.instant()))
                    : get(API + "/namespaces/" + scope.namespace() + "/pods?labelSelector="
                            + URLEncoder.encode(scope.selector(), StandardCharsets.UTF_8))
                            .thenApply(answer -> snapshot(scope, answer)));
        } catch (RuntimeException e) {
            next = CompletableFuture.failedFuture(e);
        }
        next.whenComplete((snapshot, failure) -> {
            if (failure != null) {
                LOG.debugf(failure, "reading the PodMetrics of namespace %s", scope.namespace());
            }
            readings.latest = snapshot != null ? snapshot : Snapshot.failed("the metrics.k8s.io API could not be"
                    + " read (" + cause(failure).getClass().getSimpleName() + ")" + NOT_COUNTED, clock.instant());
            readings.reading.set(false);
        });
    }

    private Snapshot snapshot(Scope scope, Answer answer) {
        Instant now = clock.instant();
        if (answer.code() == 403) {
            // Served, but this operator may not list it (RBAC from before the reads were lists): no discovery helps.
            return Snapshot.failed("the metrics.k8s.io API refused to list PodMetrics (HTTP 403: the operator's RBAC"
                    + " needs list on pods.metrics.k8s.io)" + NOT_COUNTED, now);
        }
        if (answer.code() != 200) {
            // The API went away or broke since discovery: ask discovery again at the next list.
            discovery.set(null);
            LOG.debugf("listing the PodMetrics of namespace %s: %s", scope.namespace(), describe(answer));
            return Snapshot.failed("the metrics.k8s.io API " + describe(answer) + NOT_COUNTED, now);
        }
        try {
            PodMetricsList list = client.getKubernetesSerialization().unmarshal(answer.body(), PodMetricsList.class);
            Map<String, Map<String, BigDecimal>> cores = new HashMap<>();
            for (PodMetrics pod : list.getItems()) {
                Map<String, BigDecimal> containers = new HashMap<>();
                for (ContainerMetrics container : pod.getContainers()) {
                    Optional.ofNullable(container.getUsage()).map(usage -> usage.get("cpu"))
                            .map(Quantity::getNumericalAmount)
                            .ifPresent(cpu -> containers.put(container.getName(), cpu));
                }
                cores.put(pod.getMetadata().getName(), containers);
            }
            return new Snapshot(cores, null, now);
        } catch (RuntimeException e) {
            return Snapshot.failed("the metrics.k8s.io API answered what is not a PodMetricsList" + NOT_COUNTED, now);
        }
    }

    /**
     * Null when discovery says the API is served; else why not. Asks discovery when its answer is too old; lists
     * started meanwhile wait for that one answer.
     */
    private CompletableFuture<String> discovered() {
        CompletableFuture<Discovery> known = discovery.get();
        if (known != null && (!known.isDone() || clock.instant().isBefore(known.join().at().plus(recheck)))) {
            return known.thenApply(Discovery::unavailable);
        }
        CompletableFuture<Discovery> asking = new CompletableFuture<>();
        if (!discovery.compareAndSet(known, asking)) {
            return discovered();
        }
        get(API).thenApply(this::discovery).whenComplete((answer, failure) -> asking.complete(failure == null ? answer
                : new Discovery("the metrics.k8s.io API could not be asked (" + cause(failure).getClass().getSimpleName()
                        + ")" + NOT_COUNTED, clock.instant())));
        return asking.thenApply(Discovery::unavailable);
    }

    private Discovery discovery(Answer answer) {
        String unavailable;
        if (answer.code() == 200 && servesPodMetrics(answer.body())) {
            unavailable = null;
        } else if (answer.code() == 404 || answer.code() == 200) {
            unavailable = "the metrics.k8s.io API is not served (install metrics-server)" + NOT_COUNTED;
        } else {
            unavailable = "the metrics.k8s.io API " + describe(answer) + NOT_COUNTED;
        }
        Optional<String> said = Optional.ofNullable(unavailable);
        if (!said.equals(logged)) {
            logged = said;
            LOG.infof("metrics.k8s.io: %s", unavailable == null
                    ? "served; CPU use above spec.lifecycle.idleCpuThreshold counts as activity" : unavailable);
        }
        return new Discovery(unavailable, clock.instant());
    }

    private static String describe(Answer answer) {
        return answer.failure() != null ? answer.failure() : "answered HTTP " + answer.code();
    }

    private boolean servesPodMetrics(String body) {
        try {
            APIResourceList resources = client.getKubernetesSerialization().unmarshal(body, APIResourceList.class);
            return resources.getResources().stream().anyMatch(r -> "pods".equals(r.getName()));
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The answer to a GET of {@code path}, on the parsing thread; failures and timeouts are answers too. */
    private CompletableFuture<Answer> get(String path) {
        long started = System.nanoTime();
        HttpClient http = client.getHttpClient();
        CompletableFuture<HttpResponse<String>> response;
        try {
            response = http.sendAsync(http.newHttpRequestBuilder().uri(masterUrl() + path)
                    .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS).build(), String.class);
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        // The HTTP client's own timeout is the first bound; this one holds should a client not keep it.
        CompletableFuture<HttpResponse<String>> sent = response;
        return sent.orTimeout(timeout.toMillis() * 2, TimeUnit.MILLISECONDS).handleAsync((answer, failure) -> {
            if (failure == null) {
                return new Answer(answer.code(), Objects.requireNonNullElse(answer.body(), ""), null);
            }
            boolean timedOut = cause(failure) instanceof TimeoutException
                    || Duration.ofNanos(System.nanoTime() - started).compareTo(timeout) >= 0;
            if (timedOut) {
                sent.cancel(true);
                return new Answer(0, "", "did not answer within " + timeout.toSeconds() + "s");
            }
            return new Answer(0, "", "could not be reached (" + cause(failure).getClass().getSimpleName() + ")");
        }, parsing);
    }

    private static Throwable cause(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    private String masterUrl() {
        String url = client.getMasterUrl().toString();
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
