package dev.agentsandbox.sidecar.bridge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bridge keeps its connections to the runner alive between requests, over real HTTP: the fake runner sees which
 * of the bridge's ports each request came from, one port per TCP connection.
 */
@Timeout(120)
class RunnerConnectionPoolTest extends BridgeHarness {

    private static final String CHAT = "/engines/llama.cpp/v1/chat/completions";
    private static final String STREAM = """
            data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}

            data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}

            data: [DONE]

            """;

    @Test
    void sequentialRequestsReuseOneRunnerConnection() throws Exception {
        runner.respond(CHAT, exchange -> {
            if (FakeModelRunner.body(exchange).contains("\"stream\":true")) {
                FakeModelRunner.sendEventsChunked(exchange, STREAM);
            } else {
                FakeModelRunner.send(exchange, 200, "application/json", chatCompletion(QWEN, 3, 2));
            }
        });
        runner.respondJson("/engines/llama.cpp/v1/models",
                "{\"object\":\"list\",\"data\":[{\"id\":\"" + QWEN + "\"}]}");
        startBridge(config(null));

        for (int i = 0; i < 3; i++) {
            assertThat(post("/v1/chat/completions", "{\"max_tokens\":4}").statusCode()).isEqualTo(200);
            assertThat(post("/v1/chat/completions", "{\"max_tokens\":4,\"stream\":true}").body()).isEqualTo(STREAM);
            assertThat(send(HttpRequest.newBuilder(URI.create(bridgeUrl("/v1/models"))).GET()).statusCode())
                    .isEqualTo(200);
        }

        Set<Integer> connections = new HashSet<>();
        for (int i = 0; i < 9; i++) {
            FakeModelRunner.Received received = runner.takeRequest();
            connections.add(received.clientPort());
            assertThat(received.headers().getFirst("Connection")).as("the bridge asks for no close").isNull();
        }
        assertThat(connections).as("9 requests of one agent connection, one after the other").hasSize(1);
        assertThat(bridge.meter().status().completionTokens()).isEqualTo(3 * 2 + 3 * 1);
    }

    @Test
    void aPooledConnectionIsHeldToTheReadTimeoutOnItsNextRequest() throws Exception {
        // The pooled connection's idle timeout (30 s) is far later than the read timeout: the next exchange on it
        // must still be cut after the read timeout, not when the idle timer would have fired.
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger answered = new AtomicInteger();
        runner.respond(CHAT, exchange -> {
            if (answered.getAndIncrement() > 0) {
                release.await(HANG_GUARD.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            }
            FakeModelRunner.send(exchange, 200, "application/json", chatCompletion(QWEN, 3, 2));
        });
        startBridge(config(null), Optional.empty(), Duration.ofMillis(500));
        try {
            assertThat(post("/v1/chat/completions", "{}").statusCode()).isEqualTo(200);
            // past the first exchange's read timeout: the connection's one timer now waits for the idle timeout
            Thread.sleep(1000);
            long start = System.nanoTime();
            HttpResponse<String> silent = post("/v1/chat/completions", "{}");
            Duration waited = Duration.ofNanos(System.nanoTime() - start);

            assertThat(silent.statusCode()).isEqualTo(504);
            assertThat(json(silent.body()).at("/error/code").asText()).isEqualTo("runner_timeout");
            assertThat(waited).isBetween(Duration.ofMillis(450), Duration.ofSeconds(10));
            assertThat(runner.takeRequest().clientPort()).as("the second request went on the pooled connection")
                    .isEqualTo(runner.takeRequest().clientPort());
        } finally {
            release.countDown();
        }
    }

    @Test
    void aRunnerThatClosesAfterItsAnswerGetsANewConnectionEachTime() throws Exception {
        runner.respond(CHAT, exchange -> {
            exchange.getResponseHeaders().set("Connection", "close");
            FakeModelRunner.send(exchange, 200, "application/json", chatCompletion(QWEN, 3, 2));
        });
        startBridge(config(null));

        for (int i = 0; i < 3; i++) {
            assertThat(post("/v1/chat/completions", "{\"max_tokens\":4}").statusCode()).isEqualTo(200);
        }

        Set<Integer> connections = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            connections.add(runner.takeRequest().clientPort());
        }
        assertThat(connections).hasSize(3);
    }

    @Test
    void aConnectionWhoseAnswerWasCutShortIsNotReused() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        runner.respond(CHAT, exchange -> {
            if (FakeModelRunner.body(exchange).contains("\"stream\":true")) {
                OutputStream out = FakeModelRunner.startEventStream(exchange);
                FakeModelRunner.event(out, "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n");
                release.await();
            } else {
                FakeModelRunner.send(exchange, 200, "application/json", chatCompletion(QWEN, 3, 2));
            }
        });
        startBridge(config(null), Optional.empty(), Duration.ofSeconds(1));

        assertThat(post("/v1/chat/completions", "{\"max_tokens\":4}").statusCode()).isEqualTo(200);
        HttpResponse<String> stalled;
        try {
            stalled = post("/v1/chat/completions", "{\"max_tokens\":4,\"stream\":true}");
        } catch (IOException expected) {
            stalled = null; // the bridge closed the agent's connection mid-answer after the read timeout
        } finally {
            release.countDown();
        }
        assertThat(stalled).isNull();
        assertThat(post("/v1/chat/completions", "{\"max_tokens\":4}").statusCode()).isEqualTo(200);

        int first = runner.takeRequest().clientPort();
        int stalledOn = runner.takeRequest().clientPort();
        int after = runner.takeRequest().clientPort();
        assertThat(stalledOn).as("the idle connection of the first answer is reused").isEqualTo(first);
        assertThat(after).as("a connection left mid-answer is closed, not pooled").isNotEqualTo(stalledOn);
    }

    @Test
    void anIdleConnectionTheRunnerClosesIsDropped() throws Exception {
        String answer = chatCompletion(QWEN, 3, 2);
        AtomicInteger accepted = new AtomicInteger();
        try (ServerSocket closingRunner = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                while (!closingRunner.isClosed()) {
                    try (Socket connection = closingRunner.accept()) {
                        accepted.incrementAndGet();
                        readRequest(connection.getInputStream());
                        connection.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                + "Content-Length: " + answer.length() + "\r\n\r\n" + answer)
                                .getBytes(StandardCharsets.UTF_8));
                        connection.getOutputStream().flush();
                        // then the runner closes the idle keep-alive connection, as servers do after a while
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            server.start();
            startBridge(new BridgeConfigBuilder("http://127.0.0.1:" + closingRunner.getLocalPort()
                    + "/engines/llama.cpp").build());

            assertThat(post("/v1/chat/completions", "{\"max_tokens\":4}").statusCode()).isEqualTo(200);
            // the bridge reads its idle connections, so it sees the close at once; this only lets the FIN arrive
            Thread.sleep(1000);
            HttpResponse<String> next = post("/v1/chat/completions", "{\"max_tokens\":4}");

            assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
            assertThat(accepted.get()).isEqualTo(2);
        }
    }

    /** Reads one request head and its Content-Length body. */
    private static void readRequest(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed mid-request");
            }
            head.append((char) b);
        }
        int length = head.toString().lines().filter(line -> line.toLowerCase().startsWith("content-length:"))
                .mapToInt(line -> Integer.parseInt(line.substring(line.indexOf(':') + 1).trim())).findFirst()
                .orElse(0);
        in.readNBytes(length);
    }
}
