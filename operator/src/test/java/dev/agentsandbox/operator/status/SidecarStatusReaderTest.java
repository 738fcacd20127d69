package dev.agentsandbox.operator.status;

import com.sun.net.httpserver.HttpServer;
import dev.agentsandbox.operator.api.v1alpha1.EgressStatus;
import dev.agentsandbox.operator.api.v1alpha1.ModelUsageStatus;
import dev.agentsandbox.sidecar.contract.BridgeStatus;
import dev.agentsandbox.sidecar.contract.ProxyStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

/** Against a real HTTP server on loopback. */
class SidecarStatusReaderTest {

    private HttpServer server;
    private final CountDownLatch release = new CountDownLatch(1);

    private URI serve(int status, String body) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/status", exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            if (body.equals("hang")) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/status");
    }

    @AfterEach
    void stop() {
        release.countDown();
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void readsTheProxyCountersAndIgnoresFieldsItDoesNotKnow() throws IOException {
        URI uri = serve(200, "{\"allowed\": 120, \"denied\": 3, \"lastDenied\": [{\"host\": \"evil.example\","
                + " \"at\": \"2026-11-23T12:00:00Z\"}], \"bytesOut\": 99}");

        EgressStatus egress = SidecarStatusReader.egress(new SidecarStatusReader().read(uri, ProxyStatus.class).join()
                .orElseThrow());

        assertThat(egress.allowed()).isEqualTo(120L);
        assertThat(egress.denied()).isEqualTo(3L);
        assertThat(egress.lastDenied()).singleElement().satisfies(d -> {
            assertThat(d.host()).isEqualTo("evil.example");
            assertThat(d.at()).isEqualTo("2026-11-23T12:00:00Z");
        });
    }

    @Test
    void readsTheBridgeCountersOfThisAndOfAnOlderBridge() throws IOException {
        URI current = serve(200, "{\"requests\": 4, \"promptTokens\": 50, \"completionTokens\": 7,"
                + " \"streamsWithoutUsage\": 2}");
        assertThat(SidecarStatusReader.model(new SidecarStatusReader().read(current, BridgeStatus.class).join()
                .orElseThrow())).isEqualTo(new ModelUsageStatus(4L, 50L, 7L, 2L));
        server.stop(0);

        URI older = serve(200, "{\"requests\": 4, \"promptTokens\": 50, \"completionTokens\": 7}");
        assertThat(SidecarStatusReader.model(new SidecarStatusReader().read(older, BridgeStatus.class).join()
                .orElseThrow())).isEqualTo(new ModelUsageStatus(4L, 50L, 7L, 0L));
    }

    @Test
    void anErrorAnswerOrGarbageIsNothingNotAFailure() throws IOException {
        URI error = serve(500, "status unavailable\n");
        assertThat(new SidecarStatusReader().read(error, ProxyStatus.class).join()).isEmpty();
        server.stop(0);

        URI garbage = serve(200, "not json");
        assertThat(new SidecarStatusReader().read(garbage, ProxyStatus.class).join()).isEmpty();
    }

    @Test
    void aClosedPortIsNothing() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        assertThat(new SidecarStatusReader().read(URI.create("http://127.0.0.1:" + port + "/status"),
                ProxyStatus.class).join()).isEmpty();
    }

    @Test
    void aSidecarThatDoesNotAnswerIsGivenUpOn() throws IOException {
        URI hanging = serve(200, "hang");

        // Returns (empty) although the server never answers: the timeout, not the server, ends the call.
        assertThat(new SidecarStatusReader().read(hanging, ProxyStatus.class).join()).isEmpty();
    }

    @Test
    void ipv6PodAddressesAreBracketed() {
        assertThat(SidecarStatusReader.statusUri("fd00::1", 9090)).hasToString("http://[fd00::1]:9090/status");
        assertThat(SidecarStatusReader.statusUri("10.1.2.3", 9091)).hasToString("http://10.1.2.3:9091/status");
    }
}
