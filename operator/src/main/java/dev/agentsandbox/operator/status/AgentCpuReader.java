package dev.agentsandbox.operator.status;

import dev.agentsandbox.operator.config.OperatorConfig;
import dev.agentsandbox.operator.plan.CpuSample;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.ContainerMetrics;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpResponse;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads a container's CPU use from the {@code metrics.k8s.io} API (metrics-server's PodMetrics) for idle suspend.
 * Whether the API is served is asked of API discovery once and again after {@code agentsandbox.metrics-api-recheck},
 * so a cluster without metrics-server costs one discovery request per recheck, not one failed read per sandbox.
 * Best effort: every request has a short timeout, and any failure is a {@link CpuSample#unavailable} saying why,
 * never a failed reconcile.
 */
@ApplicationScoped
public class AgentCpuReader {

    static final Duration TIMEOUT = Duration.ofSeconds(2);
    static final String API = "/apis/metrics.k8s.io/v1beta1";
    static final String NOT_COUNTED = ": CPU use does not count as activity";
    private static final String NO_ANSWER = "did not answer within " + TIMEOUT.toSeconds() + "s";

    private static final Logger LOG = Logger.getLogger(AgentCpuReader.class);

    private final KubernetesClient client;
    private final Duration recheck;
    private final Clock clock;
    /** The last answer of discovery; null before the first and after a read that says the API went away. */
    private volatile Discovery discovery;

    /** What discovery said at {@code at}: null {@code unavailable} when the API is served. */
    private record Discovery(String unavailable, Instant at) {
    }

    private record Answer(int code, String body, String failure) {
    }

    @Inject
    public AgentCpuReader(KubernetesClient client, OperatorConfig config) {
        this(client, config.metricsApiRecheck(), Clock.systemUTC());
    }

    AgentCpuReader(KubernetesClient client, Duration recheck, Clock clock) {
        this.client = client;
        this.recheck = recheck;
        this.clock = clock;
    }

    /** The CPU use of {@code container} in the pod, or why there is no reading. */
    public CpuSample read(String namespace, String pod, String container) {
        String unavailable = unavailable();
        if (unavailable != null) {
            return CpuSample.unavailable(unavailable);
        }
        Answer answer = get(API + "/namespaces/" + namespace + "/pods/" + pod);
        if (answer.code() == 200) {
            return cpuOf(answer.body(), container);
        }
        if (answer.code() == 404 && namedNotFound(answer.body())) {
            // metrics-server measures a new pod within its resolution (about a minute).
            return CpuSample.unavailable("the metrics API has no measurement of pod " + pod + " yet" + NOT_COUNTED);
        }
        // The API went away or broke since discovery: ask discovery again at the next read.
        discovery = null;
        LOG.debugf("reading the PodMetrics of %s/%s: %s", namespace, pod, describe(answer));
        return CpuSample.unavailable("the metrics.k8s.io API " + describe(answer) + NOT_COUNTED);
    }

    private CpuSample cpuOf(String podMetrics, String container) {
        try {
            PodMetrics metrics = client.getKubernetesSerialization().unmarshal(podMetrics, PodMetrics.class);
            return metrics.getContainers().stream().filter(c -> container.equals(c.getName())).findFirst()
                    .map(ContainerMetrics::getUsage).map(usage -> usage.get("cpu"))
                    .map(Quantity::getNumericalAmount).map(CpuSample::cores)
                    .orElse(CpuSample.unavailable("the metrics API has no measurement of container " + container
                            + " yet" + NOT_COUNTED));
        } catch (RuntimeException e) {
            return CpuSample.unavailable("the metrics.k8s.io API answered what is not a PodMetrics" + NOT_COUNTED);
        }
    }

    /** Null when discovery says the API is served; else why not. Asks discovery when its answer is too old. */
    private String unavailable() {
        Discovery known = discovery;
        Instant now = clock.instant();
        if (known != null && now.isBefore(known.at().plus(recheck))) {
            return known.unavailable();
        }
        Answer answer = get(API);
        String unavailable;
        if (answer.code() == 200 && servesPodMetrics(answer.body())) {
            unavailable = null;
        } else if (answer.code() == 404 || answer.code() == 200) {
            unavailable = "the metrics.k8s.io API is not served (install metrics-server)" + NOT_COUNTED;
        } else {
            unavailable = "the metrics.k8s.io API " + describe(answer) + NOT_COUNTED;
        }
        if (known == null || !Objects.equals(known.unavailable(), unavailable)) {
            LOG.infof("metrics.k8s.io: %s", unavailable == null
                    ? "served; CPU use above spec.lifecycle.idleCpuThreshold counts as activity" : unavailable);
        }
        discovery = new Discovery(unavailable, now);
        return unavailable;
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

    /** A NotFound for a named object (the pod's metrics), not for the path (an API that is not there). */
    private boolean namedNotFound(String body) {
        try {
            Status status = client.getKubernetesSerialization().unmarshal(body, Status.class);
            return status.getDetails() != null && status.getDetails().getName() != null;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private Answer get(String path) {
        long started = System.nanoTime();
        HttpClient http = client.getHttpClient();
        CompletableFuture<HttpResponse<String>> response = http.sendAsync(http.newHttpRequestBuilder()
                .uri(masterUrl() + path).timeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).build(), String.class);
        try {
            HttpResponse<String> answer = response.get(TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
            return new Answer(answer.code(), Optional.ofNullable(answer.body()).orElse(""), null);
        } catch (TimeoutException e) {
            response.cancel(true);
            return new Answer(0, "", NO_ANSWER);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(0, "", "was not asked (interrupted)");
        } catch (ExecutionException e) {
            // The HTTP client's own timeout fails the request with an exception of its own making.
            boolean timedOut = Duration.ofNanos(System.nanoTime() - started).compareTo(TIMEOUT) >= 0;
            return new Answer(0, "", timedOut ? NO_ANSWER
                    : "could not be reached (" + e.getCause().getClass().getSimpleName() + ")");
        }
    }

    private String masterUrl() {
        String url = client.getMasterUrl().toString();
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
