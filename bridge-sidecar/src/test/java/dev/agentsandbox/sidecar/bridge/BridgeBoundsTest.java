package dev.agentsandbox.sidecar.bridge;

import dev.agentsandbox.sidecar.core.EventLoops;
import dev.agentsandbox.sidecar.core.HostAndPort;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** What one agent can hold of the bridge: connections beyond the cap are refused, stalled requests cut off. */
class BridgeBoundsTest extends BridgeHarness {

    private EventLoops loops;
    private BridgeServer server;
    private int port;

    @BeforeEach
    void startServer() throws Exception {
        runner.respondJson("/engines/llama.cpp/v1/chat/completions", chatCompletion(QWEN, 1, 1));
        loops = new EventLoops(1);
        BridgeContext context = new BridgeContext(new AtomicReference<>(BridgePolicy.from(config(null)))::get,
                new UsageMeter(new SimpleMeterRegistry()), log, HANG_GUARD, HANG_GUARD,
                new UsagelessStreams(UsagelessStreams.Mode.ESTIMATE));
        server = new BridgeServer(loops, context, new BridgeLimits(3, Duration.ofSeconds(1)));
        port = server.start(new HostAndPort("127.0.0.1", 0)).getPort();
    }

    @AfterEach
    void stopServer() {
        server.close();
        loops.close();
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static String send(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void aRequestWhoseBodyStallsIsAnswered408AndClosed() throws Exception {
        try (Socket socket = connect()) {
            String response = send(socket, "POST /v1/chat/completions HTTP/1.1\r\nHost: b\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"model\":");
            assertThat(response).startsWith("HTTP/1.1 408").contains("request_timeout");
        }
        try (Socket silent = connect()) {
            assertThat(send(silent, "")).startsWith("HTTP/1.1 408");
        }
    }

    @Test
    void everyRequestOfAKeepAliveConnectionIsHeldToTheTimeout() throws Exception {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            String body = "{\"messages\":[]}";
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String rest = send(socket, "POST /v1/chat/completions HTTP/1.1\r\nHost: b\r\nContent-Length: 50\r\n\r\n{");
            assertThat(rest).startsWith("HTTP/1.1 200").contains("HTTP/1.1 408");
        }
    }

    @Test
    void connectionsBeyondTheCapAreRefusedWith503AndAFreedSlotServesAgain() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                held.add(connect());
            }
            try (Socket extra = connect()) {
                assertThat(send(extra, "")).startsWith("HTTP/1.1 503").contains("too_many_connections");
            }
            held.remove(0).close();
            Thread.sleep(200);
            try (Socket again = connect()) {
                assertThat(send(again, "GET /v1/models HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n"))
                        .doesNotStartWith("HTTP/1.1 503");
            }
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }
}
