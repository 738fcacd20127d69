package dev.agentsandbox.operator.status;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.agentsandbox.operator.api.v1alpha1.EgressStatus;
import dev.agentsandbox.operator.api.v1alpha1.ModelUsageStatus;
import dev.agentsandbox.sidecar.contract.AdminPaths;
import dev.agentsandbox.sidecar.contract.BridgeStatus;
import dev.agentsandbox.sidecar.contract.ProxyStatus;
import dev.agentsandbox.sidecar.contract.SidecarPorts;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;

/**
 * Reads the sidecars' {@code /status} endpoints (admin ports, reachable only from the operator's pods) for
 * {@code status.egress} and {@code status.model}. Best effort: a short timeout, and any failure is an empty result,
 * never a failed reconcile. Asynchronous: the reconciler asks through {@link SidecarReports}, which never waits for a
 * pod (an unreachable one would hold a reconcile thread for the whole timeout).
 */
@ApplicationScoped
public class SidecarStatusReader {

    static final Duration TIMEOUT = Duration.ofSeconds(1);

    private static final Logger LOG = Logger.getLogger(SidecarStatusReader.class);
    private static final ObjectMapper JSON = JsonMapper.builder()
            // A newer sidecar may report more than this operator knows.
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            // The answers are parsed where they complete: one daemon thread is enough for a few small JSON bodies.
            .executor(Executors.newSingleThreadExecutor(runnable -> {
                Thread thread = new Thread(runnable, "sidecar-status");
                thread.setDaemon(true);
                return thread;
            }))
            .build();

    public CompletableFuture<Optional<EgressStatus>> egress(String podIP) {
        return read(endpoint(podIP, SidecarPorts.PROXY_ADMIN), ProxyStatus.class)
                .thenApply(status -> status.map(SidecarStatusReader::egress));
    }

    public CompletableFuture<Optional<ModelUsageStatus>> model(String podIP) {
        return read(endpoint(podIP, SidecarPorts.BRIDGE_ADMIN), BridgeStatus.class)
                .thenApply(status -> status.map(SidecarStatusReader::model));
    }

    /** Where a sidecar's {@code /status} is; a test's fake sidecars, which cannot listen on the pod's IP, move it. */
    protected URI endpoint(String podIP, int port) {
        return statusUri(podIP, port);
    }

    static EgressStatus egress(ProxyStatus proxy) {
        return new EgressStatus(proxy.allowed(), proxy.denied(), new ArrayList<>(proxy.lastDenied().stream()
                .map(denied -> new EgressStatus.DeniedHost(denied.host(), denied.at())).toList()),
                new ArrayList<>(proxy.credentialAnswers().stream().map(answer -> new EgressStatus.CredentialAnswer(
                        answer.host(), answer.credential(), answer.status(), answer.at())).toList()),
                new ArrayList<>(proxy.deniedHosts().stream().limit(EgressStatus.DENIED_HOSTS_KEPT)
                        .map(h -> new EgressStatus.HostDenials(h.host(), h.reason(), h.count(), h.at())).toList()),
                new LinkedHashMap<>(proxy.injected()), null, proxy.lastActivity());
    }

    static ModelUsageStatus model(BridgeStatus bridge) {
        return new ModelUsageStatus(bridge.requests(), bridge.promptTokens(), bridge.completionTokens(),
                bridge.streamsWithoutUsage(), new LinkedHashMap<>(bridge.refused()), new ArrayList<>(bridge.models()
                .stream().map(m -> new ModelUsageStatus.ModelUsage(m.model(), m.requests(), m.promptTokens(),
                        m.completionTokens())).toList()), bridge.lastActivity());
    }

    static URI statusUri(String podIP, int port) {
        String host = podIP.contains(":") ? "[" + podIP + "]" : podIP;
        return URI.create("http://" + host + ":" + port + AdminPaths.STATUS);
    }

    /** Completes (never exceptionally) with the answer, or empty on any failure, within the timeouts. */
    <T> CompletableFuture<Optional<T>> read(URI uri, Class<T> type) {
        try {
            return http.sendAsync(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
                            HttpResponse.BodyHandlers.ofString())
                    .handle((response, failure) -> failure != null ? failed(uri, failure) : parse(uri, response, type));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(failed(uri, e));
        }
    }

    private static <T> Optional<T> parse(URI uri, HttpResponse<String> response, Class<T> type) {
        if (response.statusCode() != 200) {
            LOG.debugf("%s answered %d", uri, response.statusCode());
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(response.body(), type));
        } catch (IOException | RuntimeException e) {
            return failed(uri, e);
        }
    }

    private static <T> Optional<T> failed(URI uri, Throwable failure) {
        LOG.debugf("cannot read %s: %s", uri, failure.toString());
        return Optional.empty();
    }
}
