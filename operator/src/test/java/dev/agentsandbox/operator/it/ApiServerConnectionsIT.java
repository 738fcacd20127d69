package dev.agentsandbox.operator.it;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import dev.agentsandbox.operator.config.SettingsCapturingFactory;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.ControlPlaneExtension;
import dev.agentsandbox.operator.testing.EmbeddedControlPlane;
import dev.agentsandbox.operator.testing.OperatorProcess;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The operator's connections to the API server. A burst of sandboxes opens no connection to the API server: HTTP/2 carries the packaged operator's requests side by
 * side on the connection it already holds. Over HTTP/1.1 each request in flight held a connection of its own, and a
 * burst opened one per busy reconcile thread, each with a TLS handshake. Counted where it happens: the operator
 * process's established TCP connections to the API server's port ({@code /proc}), once started (its watches hold
 * theirs) and throughout the burst.
 */
@ExtendWith(ControlPlaneExtension.class)
class ApiServerConnectionsIT {

    private static final Logger LOG = Logger.getLogger(ApiServerConnectionsIT.class);
    private static final int BURST = 40;
    /** Room for one connection a client of the operator opens for a request of its own (none is expected). */
    private static final int SLACK = 1;

    @Test
    void aBurstOfSandboxesSharesOneConnection(EmbeddedControlPlane plane) throws Exception {
        assumeTrue(plane.isComplete(), plane.binaries().whyIncomplete());
        KubernetesClient client = plane.client();
        ClusterFixtures.prepareForOperator(client);
        int apiServerPort = URI.create(client.getConfiguration().getMasterUrl()).getPort();
        try (OperatorProcess operator = OperatorProcess.start(plane, "operator-connections", Map.of())) {
            String namespace = ClusterFixtures.freshNamespace(client, "connections");
            Sandboxes.apply(client, namespace, "first");
            Sandboxes.awaitReady(client, namespace, "first");
            int before = connections(operator.pid(), apiServerPort);
            ExecutorService threads = Executors.newFixedThreadPool(8);
            try {
                CompletableFuture.allOf(IntStream.range(0, BURST).mapToObj(i -> CompletableFuture.runAsync(
                        () -> Sandboxes.apply(client, namespace, "burst-" + i), threads))
                        .toArray(CompletableFuture[]::new)).get();
            } finally {
                threads.shutdown();
            }
            int most = 0;
            long deadline = System.nanoTime() + Sandboxes.CONVERGENCE.toNanos();
            while (!allReady(client, namespace) && System.nanoTime() < deadline) {
                most = Math.max(most, connections(operator.pid(), apiServerPort));
                Thread.sleep(100);
            }
            assertThat(allReady(client, namespace)).as("all %d sandboxes Ready", BURST).isTrue();
            most = Math.max(most, connections(operator.pid(), apiServerPort));
            LOG.infof("The operator held %d connections to the API server before a burst of %d, at most %d during it",
                    before, BURST, most);
            assertThat(most).as("the operator's connections to the API server during the burst (%d before it)",
                    before).isBetween(1, before + SLACK);
        }
    }

    /**
     * What the operator's client and a real API server agree on: HTTP/2, and ChaCha20-Poly1305 (AES-GCM is several
     * times dearer for the operator's C1-only JVM). The client is built as the operator's is, by its factory; the
     * request goes out on a JDK client with the factory's settings, which tells the protocol and the cipher suite.
     */
    @Test
    void theOperatorsClientGetsHttp2AndChaCha20FromTheApiServer(EmbeddedControlPlane plane) throws Exception {
        assumeTrue(plane.isComplete(), plane.binaries().whyIncomplete());
        Config config = plane.client().getConfiguration();
        SettingsCapturingFactory factory = new SettingsCapturingFactory();
        try (KubernetesClient operatorsClient = new KubernetesClientBuilder().withConfig(config)
                .withHttpClientFactory(factory).build()) {
            assertThat(operatorsClient.getKubernetesVersion().getMajor()).isEqualTo("1");
            HttpResponse<String> version = factory.settings().build().send(HttpRequest.newBuilder(
                    URI.create(config.getMasterUrl()).resolve("/version")).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(version.statusCode()).isEqualTo(200);
            assertThat(version.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_2);
            assertThat(version.sslSession().orElseThrow().getCipherSuite()).isEqualTo("TLS_CHACHA20_POLY1305_SHA256");
        }
    }

    private static boolean allReady(KubernetesClient client, String namespace) {
        return client.resources(AgentSandbox.class).inNamespace(namespace).list().getItems().stream()
                .filter(s -> s.getStatus() != null && s.getStatus().getPhase() == SandboxPhase.READY)
                .count() == BURST + 1; // and the first
    }

    /** The process's established TCP connections to {@code port} (its sockets, looked up in its /proc/net/tcp*). */
    static int connections(long pid, int port) {
        Set<String> sockets = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
            fds.forEach(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        sockets.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException gone) {
                    // closed while listed
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String remotePort = String.format(":%04X", port);
        int established = 0;
        for (String table : List.of("tcp", "tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "net", table))) {
                    String[] columns = line.trim().split("\\s+");
                    if (columns.length > 9 && columns[2].endsWith(remotePort) && "01".equals(columns[3])
                            && sockets.contains(columns[9])) {
                        established++;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return established;
    }
}
