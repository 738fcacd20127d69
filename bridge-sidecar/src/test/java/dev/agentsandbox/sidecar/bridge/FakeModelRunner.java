package dev.agentsandbox.sidecar.bridge;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentsandbox.operator.testing.HttpExchanges;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for Docker Model Runner on loopback: a real HTTP server (the JDK's) that records every request it gets
 * and answers each path with what the test registered. Unregistered paths get 404.
 */
final class FakeModelRunner implements AutoCloseable {

    /**
     * What the runner received.
     *
     * @param clientPort the bridge's port of the connection it came on (one port per connection)
     */
    record Received(String method, String uri, Headers headers, String body, int clientPort) {
    }

    @FunctionalInterface
    interface Responder {
        void respond(HttpExchange exchange) throws Exception;
    }

    private static final String BODY = "request-body";

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Map<String, Responder> responders = new ConcurrentHashMap<>();
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();

    FakeModelRunner() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(threads);
        server.createContext("/", exchange -> {
            try (exchange) {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                exchange.setAttribute(BODY, body);
                received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                        exchange.getRequestHeaders(), body, exchange.getRemoteAddress().getPort()));
                Responder responder = responders.get(exchange.getRequestURI().getPath());
                if (responder == null) {
                    send(exchange, 404, "application/json", "{\"error\":\"not found\"}");
                } else {
                    responder.respond(exchange);
                }
            } catch (Exception e) {
                // the bridge may hang up mid-answer; the test looks at what the client saw
            }
        });
        server.start();
    }

    /** The engine URL to configure as the bridge's upstream. */
    String engineUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/engines/llama.cpp";
    }

    void respond(String path, Responder responder) {
        responders.put(path, responder);
    }

    /** Answers {@code path} with a fixed JSON document. */
    void respondJson(String path, String json) {
        respond(path, exchange -> send(exchange, 200, "application/json", json));
    }

    /** The next request the runner received (waits up to 30 s, a hang guard). */
    Received takeRequest() throws InterruptedException {
        Received next = received.poll(30, TimeUnit.SECONDS);
        if (next == null) {
            throw new AssertionError("the runner received no request");
        }
        return next;
    }

    /** The requests received so far that nobody took. */
    int pendingRequests() {
        return received.size();
    }

    /** The request body of an exchange, for a responder (the runner has read it already). */
    static String body(HttpExchange exchange) {
        return (String) exchange.getAttribute(BODY);
    }

    /** Starts a chunked {@code text/event-stream} answer; the caller writes its events with {@link #event}. */
    static OutputStream startEventStream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        return exchange.getResponseBody();
    }

    /** Writes one event (or any text) and flushes it: a chunk of its own, as llama.cpp servers send them. */
    static void event(OutputStream out, String event) throws IOException {
        out.write(event.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Answers with {@code stream} chunked, one event per chunk. */
    static void sendEventsChunked(HttpExchange exchange, String stream) throws IOException {
        try (OutputStream out = startEventStream(exchange)) {
            for (String event : stream.split("(?<=\\n\\n)")) {
                event(out, event);
            }
        }
    }

    static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        HttpExchanges.send(exchange, status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
