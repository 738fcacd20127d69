package dev.agentsandbox.operator.reconciler;

import com.sun.net.httpserver.HttpServer;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Events go to the API server in the background, in the order they were recorded: a reconcile that records one
 * (the transition to Ready, say) does not wait for the API server. A real HTTP server on loopback plays the API
 * server and holds every Event request until the test lets it answer.
 */
class EventRecorderTest {

    private final CountDownLatch answer = new CountDownLatch(1);
    private final List<String> received = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private KubernetesClient client;

    @BeforeEach
    void startApiServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " " + body);
            try {
                answer.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] reply = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(201, reply.length);
            exchange.getResponseBody().write(reply);
            exchange.close();
        });
        // A thread per request: the held request must not keep the next ones from being received.
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        client = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + server.getAddress().getPort())
                .withRequestRetryBackoffLimit(0).build()).build();
    }

    @AfterEach
    void stop() {
        answer.countDown();
        client.close();
        server.stop(0);
    }

    @Test
    void recordingAnEventDoesNotWaitForTheApiServerAndEventsArriveInOrder() {
        EventRecorder events = new EventRecorder(client);
        AgentSandbox sandbox = new AgentSandbox();
        sandbox.setMetadata(new ObjectMetaBuilder().withName("agent").withNamespace("team").withUid("u-1").build());

        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            events.normal(sandbox, "First", "the first event");
            events.warning(sandbox, "Second", "the second event");
        }, "recording Events while the API server does not answer");
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
        assertThat(received.get(0)).startsWith("POST /api/v1/namespaces/team/events ").contains("\"First\"");

        answer.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 2);
        assertThat(received.get(1)).contains("\"Second\"").contains("\"Warning\"");
    }
}
