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

    private static final int BODY_CAP = 200 * 1024;

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
        server = new BridgeServer(loops, context, new BridgeLimits(3, Duration.ofSeconds(1), BODY_CAP, 300 * 1024));
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
    void aBodyOverTheConfiguredCapIsAnswered413() throws Exception {
        try (Socket socket = connect()) {
            String response = send(socket, "POST /v1/chat/completions HTTP/1.1\r\nHost: b\r\nConnection: close\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + (BODY_CAP + 1) + "\r\n\r\n");
            assertThat(response).startsWith("HTTP/1.1 413").contains("body_too_large")
                    .contains(String.valueOf(BODY_CAP));
        }
    }

    /**
     * Bodies are held whole before they are judged: beyond the bytes all connections may hold together, a request
     * is refused at its head (before its body is read), and the room comes back when the holder closes.
     */
    @Test
    void bodiesBeyondTheBufferedBytesAreRefusedWith503UntilTheHolderLetsGo() throws Exception {
        String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + (160 * 1024) + "\r\n\r\n";
        try (Socket holder = connect()) {
            holder.getOutputStream().write((head + "{\"model\":").getBytes(StandardCharsets.ISO_8859_1));
            holder.getOutputStream().flush();
            Thread.sleep(200);
            try (Socket second = connect()) {
                assertThat(send(second, head)).startsWith("HTTP/1.1 503").contains("bridge_busy")
                        .containsIgnoringCase("\r\nRetry-After: 1\r\n");
            }
            try (Socket small = connect()) {
                assertThat(send(small, "GET /v1/models HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n"))
                        .as("a request without a body reserves nothing").doesNotStartWith("HTTP/1.1 503");
            }
        }
        Thread.sleep(200);
        try (Socket again = connect()) {
            String body = "{\"messages\":[]}";
            assertThat(send(again, "POST /v1/chat/completions HTTP/1.1\r\nHost: b\r\nConnection: close\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body))
                    .startsWith("HTTP/1.1 200");
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
                // At once, before the client sends anything: it learns it may retry rather than waiting on a queue.
                assertThat(send(extra, "")).startsWith("HTTP/1.1 503").contains("too_many_connections")
                        .containsIgnoringCase("\r\nRetry-After: 1\r\n")
                        .containsIgnoringCase("\r\nConnection: close\r\n");
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
