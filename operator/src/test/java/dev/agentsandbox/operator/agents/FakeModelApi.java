package dev.agentsandbox.operator.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.agentsandbox.operator.testing.HttpExchanges;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;

/**
 * A model API on loopback that answers every turn with {@link #ANSWER}, with usage, streamed or not: either Docker
 * Model Runner's routes ({@code /engines/llama.cpp/v1/...} chat completions, completions, responses, models, and
 * {@code /anthropic/v1/messages}) or, over TLS, the Anthropic API's {@code /v1/messages} accepting one key only.
 * Records the path and model of every request.
 */
final class FakeModelApi implements AutoCloseable {

    static final String ANSWER = "The fake runner says PINEAPPLE-7319.";
    static final String ENGINE = "llama.cpp";

    record Seen(String path, String model, boolean streamed) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final List<String> models;
    /** Null: no key checked (the runner); else the only {@code x-api-key} the Anthropic API accepts. */
    private final String requiredApiKey;

    private FakeModelApi(HttpServer server, List<String> models, String requiredApiKey) {
        this.server = server;
        this.models = models;
        this.requiredApiKey = requiredApiKey;
        server.setExecutor(threads);
        server.createContext("/", exchange -> {
            try (exchange) {
                handle(exchange);
            } catch (IOException | RuntimeException e) {
                // The client may hang up; anything else is a bug of this fake, shown in the test's output.
                failures.add(exchange.getRequestURI() + ": " + e);
            }
        });
        server.start();
    }

    /** Docker Model Runner's routes on an ephemeral loopback port, listing {@code models}. */
    static FakeModelApi dockerModelRunner(List<String> models) throws IOException {
        return new FakeModelApi(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50),
                models, null);
    }

    /** The Anthropic API over TLS at {@code address}, answering only requests with {@code x-api-key: apiKey}. */
    static FakeModelApi anthropicApi(InetSocketAddress address, SSLContext tls, String apiKey) throws IOException {
        HttpsServer server = HttpsServer.create(address, 50);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        return new FakeModelApi(server, List.of(), apiKey);
    }

    /** {@code http://127.0.0.1:<port>}. */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Seen> seen() {
        return List.copyOf(seen);
    }

    /** What it received and what went wrong answering, for failure messages. */
    String report() {
        return "requests " + seen + ", failures " + failures;
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        byte[] body = exchange.getRequestBody().readAllBytes();
        JsonNode request = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
        String model = request.path("model").asText(null);
        boolean stream = request.path("stream").asBoolean(false);
        seen.add(new Seen(path, model, stream));
        if (requiredApiKey != null) {
            if (!requiredApiKey.equals(exchange.getRequestHeaders().getFirst("x-api-key"))) {
                send(exchange, 401, Map.of("type", "error", "error",
                        Map.of("type", "authentication_error", "message", "invalid x-api-key")));
            } else if (path.equals("/v1/messages")) {
                anthropicMessage(exchange, model, stream);
            } else {
                send(exchange, 404, Map.of("type", "error", "error", Map.of("type", "not_found_error")));
            }
            return;
        }
        String openAi = "/engines/" + ENGINE + "/v1";
        switch (path) {
            case "/anthropic/v1/messages" -> anthropicMessage(exchange, model, stream);
            case "/anthropic/v1/messages/count_tokens" -> send(exchange, 200, Map.of("input_tokens", 10));
            case "/engines/" + ENGINE + "/v1/models" -> send(exchange, 200, Map.of("object", "list", "data",
                    models.stream().map(id -> Map.of("id", id, "object", "model")).toList()));
            default -> {
                if (path.equals(openAi + "/chat/completions")) {
                    chatCompletion(exchange, model, stream);
                } else if (path.equals(openAi + "/completions")) {
                    send(exchange, 200, Map.of("id", "cmpl-1", "object", "text_completion", "model", model,
                            "choices", List.of(Map.of("index", 0, "text", ANSWER, "finish_reason", "stop")),
                            "usage", openAiUsage()));
                } else if (path.equals(openAi + "/responses")) {
                    response(exchange, model, stream);
                } else {
                    send(exchange, 404, Map.of("error", Map.of("message", "no route " + path)));
                }
            }
        }
    }

    private static void anthropicMessage(HttpExchange exchange, String model, boolean stream) throws IOException {
        Map<String, Object> text = Map.of("type", "text", "text", ANSWER);
        if (!stream) {
            send(exchange, 200, Map.of("id", "msg_1", "type", "message", "role", "assistant", "model", model,
                    "content", List.of(text), "stop_reason", "end_turn",
                    "usage", Map.of("input_tokens", 11, "output_tokens", 7)));
            return;
        }
        Map<String, Object> start = Map.of("id", "msg_1", "type", "message", "role", "assistant", "model", model,
                "content", List.of(), "usage", Map.of("input_tokens", 11, "output_tokens", 1));
        events(exchange, List.of(
                event("message_start", Map.of("type", "message_start", "message", start)),
                event("content_block_start", Map.of("type", "content_block_start", "index", 0,
                        "content_block", Map.of("type", "text", "text", ""))),
                event("content_block_delta", Map.of("type", "content_block_delta", "index", 0,
                        "delta", Map.of("type", "text_delta", "text", ANSWER))),
                event("content_block_stop", Map.of("type", "content_block_stop", "index", 0)),
                event("message_delta", Map.of("type", "message_delta", "delta", Map.of("stop_reason", "end_turn"),
                        "usage", Map.of("output_tokens", 7))),
                event("message_stop", Map.of("type", "message_stop"))));
    }

    private static void chatCompletion(HttpExchange exchange, String model, boolean stream) throws IOException {
        if (!stream) {
            send(exchange, 200, Map.of("id", "chatcmpl-1", "object", "chat.completion", "created", 1, "model", model,
                    "choices", List.of(Map.of("index", 0, "finish_reason", "stop",
                            "message", Map.of("role", "assistant", "content", ANSWER))),
                    "usage", openAiUsage()));
            return;
        }
        Map<String, Object> chunk = Map.of("id", "chatcmpl-1", "object", "chat.completion.chunk", "created", 1,
                "model", model);
        events(exchange, List.of(
                event(null, with(chunk, "choices", List.of(Map.of("index", 0,
                        "delta", Map.of("role", "assistant", "content", ANSWER))))),
                event(null, with(chunk, "choices", List.of(Map.of("index", 0, "delta", Map.of(),
                        "finish_reason", "stop")))),
                event(null, with(with(chunk, "choices", List.of()), "usage", openAiUsage())),
                "data: [DONE]\n\n"));
    }

    private static void response(HttpExchange exchange, String model, boolean stream) throws IOException {
        Map<String, Object> message = Map.of("type", "message", "id", "msg_1", "status", "completed",
                "role", "assistant", "content", List.of(Map.of("type", "output_text", "text", ANSWER,
                        "annotations", List.of())));
        Map<String, Object> usage = Map.of("input_tokens", 11, "output_tokens", 7, "total_tokens", 18,
                "input_tokens_details", Map.of("cached_tokens", 0),
                "output_tokens_details", Map.of("reasoning_tokens", 0));
        Map<String, Object> completed = Map.of("id", "resp_1", "object", "response", "created_at", 1,
                "status", "completed", "model", model, "output", List.of(message), "usage", usage);
        if (!stream) {
            send(exchange, 200, completed);
            return;
        }
        Map<String, Object> created = Map.of("id", "resp_1", "object", "response", "created_at", 1,
                "status", "in_progress", "model", model, "output", List.of());
        events(exchange, List.of(
                event("response.created", Map.of("type", "response.created", "response", created)),
                event("response.output_item.added", Map.of("type", "response.output_item.added",
                        "output_index", 0, "item", with(with(message, "status", "in_progress"), "content",
                                List.of()))),
                event("response.output_text.delta", Map.of("type", "response.output_text.delta",
                        "item_id", "msg_1", "output_index", 0, "content_index", 0, "delta", ANSWER)),
                event("response.output_item.done", Map.of("type", "response.output_item.done", "output_index", 0,
                        "item", message)),
                event("response.completed", Map.of("type", "response.completed", "response", completed))));
    }

    private static Map<String, Object> openAiUsage() {
        return Map.of("prompt_tokens", 11, "completion_tokens", 7, "total_tokens", 18);
    }

    private static Map<String, Object> with(Map<String, Object> map, String key, Object value) {
        ObjectNode node = JSON.valueToTree(map);
        node.set(key, JSON.valueToTree(value));
        return JSON.convertValue(node, Map.class);
    }

    private static String event(String name, Object data) throws IOException {
        return (name == null ? "" : "event: " + name + "\n") + "data: " + JSON.writeValueAsString(data) + "\n\n";
    }

    private static void events(HttpExchange exchange, List<String> events) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            for (String event : events) {
                out.write(event.getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        }
    }

    private static void send(HttpExchange exchange, int status, Object body) throws IOException {
        HttpExchanges.send(exchange, status, "application/json", JSON.writeValueAsBytes(body));
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
