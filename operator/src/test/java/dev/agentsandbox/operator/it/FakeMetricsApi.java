package dev.agentsandbox.operator.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.agentsandbox.operator.dependent.SandboxObjects;
import dev.agentsandbox.operator.images.TestCertificate;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A stand-in for metrics-server behind the real API server's aggregation layer: an HTTPS server on loopback that
 * serves discovery for {@code metrics.k8s.io/v1beta1} and lists the PodMetrics of the pods it is told about, registered
 * with an {@code APIService} whose Service is an ExternalName of 127.0.0.1 (kube-apiserver routes an APIService to
 * a Service's cluster IP, or to an ExternalName's name: no endpoints, so no Pod, are needed). The API server reaches
 * it as it reaches metrics-server; the operator reads it through the API server like any other API.
 */
final class FakeMetricsApi implements AutoCloseable {

    static final String API_SERVICE = "v1beta1.metrics.k8s.io";
    private static final String SERVICE_NAMESPACE = "kube-system";
    private static final String SERVICE_NAME = "fake-metrics-server";
    private static final String PATH = "/apis/metrics.k8s.io/v1beta1";
    private static final ResourceDefinitionContext API_SERVICES = new ResourceDefinitionContext.Builder()
            .withGroup("apiregistration.k8s.io").withVersion("v1").withPlural("apiservices").withKind("APIService")
            .withNamespaced(false).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpsServer server;
    /** The agent container's CPU use in millicores, by "namespace/pod". */
    private final Map<String, Integer> agentMillicores = new ConcurrentHashMap<>();
    /** How often each namespace's PodMetrics were listed. */
    private final Map<String, Integer> lists = new ConcurrentHashMap<>();

    private FakeMetricsApi(HttpsServer server) {
        this.server = server;
    }

    static FakeMetricsApi start(Path certificateDirectory) throws Exception {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setHttpsConfigurator(new HttpsConfigurator(
                TestCertificate.selfSigned("metrics-server.test", certificateDirectory).serverContext()));
        FakeMetricsApi api = new FakeMetricsApi(server);
        server.createContext("/", api::handle);
        // The API server proxies each operator's read and its own availability checks, in parallel.
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        return api;
    }

    /** What the next lists of this pod's namespace say the pod's agent container uses. */
    void agentCpu(String namespace, String pod, int millicores) {
        agentMillicores.put(namespace + "/" + pod, millicores);
    }

    /** How often the PodMetrics of this namespace were listed. */
    int lists(String namespace) {
        return lists.getOrDefault(namespace, 0);
    }

    /** Makes the API server serve metrics.k8s.io from this server, as installing metrics-server does. */
    void register(KubernetesClient client) {
        client.services().inNamespace(SERVICE_NAMESPACE).resource(new ServiceBuilder()
                .withNewMetadata().withName(SERVICE_NAME).endMetadata()
                .withNewSpec().withType("ExternalName").withExternalName("127.0.0.1").endSpec()
                .build()).serverSideApply();
        GenericKubernetesResource apiService = new GenericKubernetesResourceBuilder()
                .withApiVersion("apiregistration.k8s.io/v1").withKind("APIService")
                .withNewMetadata().withName(API_SERVICE).endMetadata()
                .addToAdditionalProperties("spec", Map.of("group", "metrics.k8s.io", "version", "v1beta1",
                        "groupPriorityMinimum", 100, "versionPriority", 100,
                        // A test's self-signed certificate; metrics-server's chart does the same by default.
                        "insecureSkipTLSVerify", true,
                        "service", Map.of("namespace", SERVICE_NAMESPACE, "name", SERVICE_NAME,
                                "port", server.getAddress().getPort())))
                .build();
        client.genericKubernetesResources(API_SERVICES).resource(apiService).serverSideApply();
    }

    /** Whether the API server's availability check reached this server and found it serving. */
    static boolean available(KubernetesClient client) {
        GenericKubernetesResource apiService = client.genericKubernetesResources(API_SERVICES).withName(API_SERVICE)
                .get();
        return apiService != null && Optional.ofNullable(apiService.get("status", "conditions"))
                .map(List.class::cast).orElse(List.of()).stream()
                .anyMatch(c -> c instanceof Map<?, ?> m && "Available".equals(m.get("type"))
                        && "True".equals(m.get("status")));
    }

    /**
     * Removes the APIService and its Service. An APIService left unavailable would stall every namespace deletion
     * of the shared control plane (the namespace controller must list every API).
     */
    static void unregister(KubernetesClient client) {
        client.genericKubernetesResources(API_SERVICES).withName(API_SERVICE).delete();
        client.services().inNamespace(SERVICE_NAMESPACE).withName(SERVICE_NAME).delete();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.equals(PATH)) {
                send(exchange, 200, Map.of("kind", "APIResourceList", "apiVersion", "v1",
                        "groupVersion", "metrics.k8s.io/v1beta1",
                        "resources", List.of(Map.of("name", "pods", "singularName", "", "namespaced", true,
                                "kind", "PodMetrics", "verbs", List.of("get", "list")))));
                return;
            }
            // /apis/metrics.k8s.io/v1beta1/namespaces/<namespace>/pods
            String[] parts = path.split("/");
            if (path.startsWith(PATH + "/namespaces/") && parts.length == 7 && parts[6].equals("pods")) {
                podMetricsList(exchange, parts[5]);
                return;
            }
            send(exchange, 404, notFound(path, null));
        }
    }

    /**
     * The namespace's PodMetrics, of the pods it was told about (those metrics-server has measured); of none unless
     * the list selects the operator's pods, which metrics-server filters by the pods' labels.
     */
    private void podMetricsList(HttpExchange exchange, String namespace) throws IOException {
        lists.merge(namespace, 1, Integer::sum);
        String query = Optional.ofNullable(exchange.getRequestURI().getQuery()).orElse("");
        boolean operatorsPods = query.equals("labelSelector=" + SandboxObjects.MANAGED_SELECTOR);
        List<Map<String, Object>> items = agentMillicores.entrySet().stream()
                .filter(pod -> operatorsPods && pod.getKey().startsWith(namespace + "/"))
                .map(pod -> podMetrics(namespace, pod.getKey().substring(namespace.length() + 1), pod.getValue()))
                .toList();
        send(exchange, 200, Map.of("kind", "PodMetricsList", "apiVersion", "metrics.k8s.io/v1beta1",
                "metadata", Map.of(), "items", items));
    }

    private static Map<String, Object> podMetrics(String namespace, String pod, int millicores) {
        return Map.of("metadata", Map.of("name", pod, "namespace", namespace,
                        "labels", Map.of(SandboxObjects.MANAGED_BY_LABEL, SandboxObjects.MANAGED_BY)),
                "timestamp", Instant.now().toString(), "window", "15s",
                "containers", List.of(
                        Map.of("name", "agent", "usage", Map.of("cpu", millicores + "m", "memory", "52Mi")),
                        // The sidecars' use must not count for the agent.
                        Map.of("name", "egress-proxy", "usage", Map.of("cpu", "900m", "memory", "120Mi"))));
    }

    private static Map<String, Object> notFound(String message, String name) {
        return Map.of("kind", "Status", "apiVersion", "v1", "status", "Failure", "message", message,
                "reason", "NotFound", "code", 404, "details", name == null ? Map.of()
                        : Map.of("name", name, "group", "metrics.k8s.io", "kind", "pods"));
    }

    private static void send(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }
}
