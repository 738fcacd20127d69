package dev.agentsandbox.sidecar.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.sidecar.contract.BridgeStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The bridge forwarding real HTTP between a real client and a fake Model Runner on loopback. */
@Timeout(120)
class BridgeForwardingTest extends BridgeHarness {

    private static final String CHAT = "/engines/llama.cpp/v1/chat/completions";

    @Test
    void nonStreamedChatGetsTheDefaultModelAndItsUsageIsCounted() throws Exception {
        runner.respondJson(CHAT, chatCompletion(QWEN, 12, 5));
        startBridge(config(null));

        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(bridgeUrl("/v1/chat/completions")))
                .header("Content-Type", "application/json")
                .header("Origin", "http://evil.example")
                .POST(HttpRequest.BodyPublishers.ofString("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response.body()).at("/choices/0/message/content").asText()).isEqualTo("Hello!");
        FakeModelRunner.Received received = runner.takeRequest();
        assertThat(received.method()).isEqualTo("POST");
        assertThat(received.uri()).isEqualTo(CHAT);
        assertThat(json(received.body()).get("model").asText()).isEqualTo(QWEN);
        assertThat(json(received.body()).at("/messages/0/content").asText()).isEqualTo("hi");
        assertThat(received.headers().containsKey("Origin")).isFalse();
        assertThat(received.headers().getFirst("Host")).isEqualTo(runnerHost());
        assertThat(totals()).isEqualTo(new BridgeStatus(1, 12, 5, 0));
    }

    @Test
    void aBodyTheChecksLeaveAloneReachesTheRunnerAsTheClientSentIt() throws Exception {
        runner.respondJson(CHAT, chatCompletion(QWEN, 3, 2));
        startBridge(config(null));
        String body = "{\"model\":\"" + QWEN + "\",  \"messages\":[{\"role\":\"user\",\"content\":\"\\u00e9 é\"}],"
                + " \"seed\": 1.50}";

        HttpResponse<String> response = post("/v1/chat/completions", body);

        assertThat(response.statusCode()).isEqualTo(200);
        FakeModelRunner.Received received = runner.takeRequest();
        assertThat(received.body()).isEqualTo(body);
        assertThat(received.headers().getFirst("Content-Length"))
                .isEqualTo(String.valueOf(body.getBytes(StandardCharsets.UTF_8).length));
        assertThat(totals()).isEqualTo(new BridgeStatus(1, 3, 2, 0));
    }

    @Test
    void aBodyWithAByteOrderMarkReachesTheRunnerReSerialised() throws Exception {
        // Jackson skips the mark, Go's encoding/json refuses it: the runner gets the document the bridge checked
        runner.respondJson(CHAT, chatCompletion(QWEN, 3, 2));
        startBridge(config(null));
        String body = "\ufeff{\"model\":\"" + QWEN + "\",  \"messages\":[]}";

        HttpResponse<String> response = post("/v1/chat/completions", body);

        assertThat(response.statusCode()).isEqualTo(200);
        String sent = runner.takeRequest().body();
        assertThat(sent).startsWith("{").doesNotContain("  ");
        assertThat(json(sent).get("model").asText()).isEqualTo(QWEN);
    }

    @Test
    void streamedEventsReachTheClientOneByOneAsTheRunnerEmitsThem() throws Exception {
        SlowEventStream stream = new SlowEventStream();
        runner.respond(CHAT, stream);
        startBridge(config(null));

        HttpResponse<Stream<String>> response = http.send(HttpRequest.newBuilder(
                        URI.create(bridgeUrl("/v1/chat/completions")))
                .timeout(HANG_GUARD)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + GPT_OSS + "\",\"stream\":true}"))
                .build(), HttpResponse.BodyHandlers.ofLines());
        List<String> data = new ArrayList<>();
        try (Stream<String> lines = response.body()) {
            lines.filter(line -> line.startsWith("data: ")).forEach(line -> {
                data.add(line);
                stream.clientRead(line);
            });
        }

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("text/event-stream");
        assertThat(stream.stalled()).as("the runner waited in vain for the client to see an event").isFalse();
        // When the client read event i, the runner had emitted exactly i+1 events: nothing was held back.
        assertThat(stream.emittedWhenSeen()).containsExactly(1, 2, 3, 4, 5);
        assertThat(data).hasSize(SlowEventStream.EVENTS + 2).last().isEqualTo("data: [DONE]");
        JsonNode sent = json(runner.takeRequest().body());
        assertThat(sent.at("/stream_options/include_usage").asBoolean()).isTrue();
        assertThat(totals()).isEqualTo(new BridgeStatus(1, 7, 5, 0));
    }

    @Test
    void anthropicMessagesGoToTheRunnersAnthropicRootWithTheirQuery() throws Exception {
        runner.respondJson("/anthropic/v1/messages", """
                {"id":"msg_1","type":"message","role":"assistant","content":[{"type":"text","text":"Hi"}],\
                "usage":{"input_tokens":21,"output_tokens":4}}""");
        startBridge(config(null));

        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(bridgeUrl("/v1/messages?beta=true")))
                .header("anthropic-version", "2023-06-01")
                .header("x-api-key", "proxy-managed")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + QWEN + "\",\"max_tokens\":16,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response.body()).at("/content/0/text").asText()).isEqualTo("Hi");
        FakeModelRunner.Received received = runner.takeRequest();
        assertThat(received.uri()).isEqualTo("/anthropic/v1/messages?beta=true");
        assertThat(received.headers().getFirst("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(received.body()).as("an unchanged body is forwarded byte for byte")
                .isEqualTo("{\"model\":\"" + QWEN + "\",\"max_tokens\":16,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(totals()).isEqualTo(new BridgeStatus(1, 21, 4, 0));
    }

    @Test
    void anthropicStreamUsageIsCountedFromItsEvents() throws Exception {
        runner.respond("/anthropic/v1/messages", exchange -> FakeModelRunner.send(exchange, 200,
                "text/event-stream", """
                        event: message_start
                        data: {"type":"message_start","message":{"id":"m","usage":{"input_tokens":30,"output_tokens":1}}}

                        event: content_block_delta
                        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}

                        event: message_delta
                        data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":9}}

                        event: message_stop
                        data: {"type":"message_stop"}

                        """));
        startBridge(config(null));

        HttpResponse<String> response = post("/v1/messages", "{\"max_tokens\":16,\"stream\":true}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("event: message_stop");
        assertThat(json(runner.takeRequest().body()).has("stream_options"))
                .as("Anthropic streams report usage unasked; OpenAI stream options would be foreign there").isFalse();
        assertThat(totals()).isEqualTo(new BridgeStatus(1, 30, 9, 0));
    }

    @Test
    void modelListShowsOnlyTheAllowedModels() throws Exception {
        runner.respondJson("/engines/llama.cpp/v1/models", """
                {"object":"list","data":[{"id":"%s","object":"model"},{"id":"ai/llama3.3","object":"model"},\
                {"id":"%s","object":"model"}]}""".formatted(QWEN, GPT_OSS));
        startBridge(new BridgeConfigBuilder(runner.engineUrl()).defaultModel(GPT_OSS).build());

        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(bridgeUrl("/v1/models"))).GET());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response.body()).get("data").findValuesAsText("id")).containsExactly(GPT_OSS);
        assertThat(response.headers().firstValueAsLong("Content-Length")).hasValue(response.body().length());
    }

    @Test
    void runnerErrorsPassThroughWithTheirStatus() throws Exception {
        runner.respond(CHAT, exchange -> FakeModelRunner.send(exchange, 500, "application/json",
                "{\"error\":{\"message\":\"model failed to load\"}}"));
        startBridge(config(null));

        HttpResponse<String> response = post("/v1/chat/completions", "{}");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).contains("model failed to load");
    }

    @Test
    void runnerDownIs502WithAOneLineOpenAiError() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        startBridge(new BridgeConfigBuilder("http://127.0.0.1:" + closedPort + "/engines/llama.cpp").build());

        HttpResponse<String> response = post("/v1/chat/completions", "{}");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).endsWith("}\n").doesNotContain("\n{");
        JsonNode error = json(response.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("runner_unreachable");
        assertThat(error.get("type").asText()).isEqualTo("upstream_error");
        assertThat(error.get("message").asText()).contains("127.0.0.1:" + closedPort, "unreachable");
    }

    @Test
    void silentRunnerIs504AfterTheReadTimeout() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        runner.respond(CHAT, exchange -> {
            release.await(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);
            FakeModelRunner.send(exchange, 200, "application/json", chatCompletion(QWEN, 1, 1));
        });
        startBridge(config(null), Optional.empty(), Duration.ofMillis(300));
        try {
            HttpResponse<String> response = post("/v1/chat/completions", "{}");

            assertThat(response.statusCode()).isEqualTo(504);
            JsonNode error = json(response.body()).get("error");
            assertThat(error.get("code").asText()).isEqualTo("runner_timeout");
            assertThat(error.get("message").asText()).contains("--read-timeout");
        } finally {
            release.countDown();
        }
    }

    @Test
    void keptAliveConnectionCarriesSeveralRequests() throws Exception {
        runner.respondJson(CHAT, chatCompletion(QWEN, 2, 3));
        startBridge(config(null));

        for (int i = 0; i < 3; i++) {
            assertThat(post("/v1/chat/completions", "{}").statusCode()).isEqualTo(200);
            assertThat(post("/models/create", "{}").statusCode()).isEqualTo(403);
        }

        assertThat(totals()).isEqualTo(new BridgeStatus(3, 6, 9, 0));
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        runner.respondJson(CHAT, chatCompletion(QWEN, 1, 1));
        runner.respondJson("/engines/llama.cpp/v1/models", "{\"object\":\"list\",\"data\":[]}");
        startBridge(config(null));
        String chat = "POST /v1/chat/completions HTTP/1.1\r\nHost: b\r\nContent-Length: 2\r\n\r\n{}";
        String models = "GET /v1/models HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n";

        String answers;
        try (Socket socket = new Socket("127.0.0.1", bridge.address().getPort())) {
            socket.setSoTimeout((int) HANG_GUARD.toMillis());
            socket.getOutputStream().write((chat + models).getBytes(StandardCharsets.US_ASCII));
            answers = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }

        assertThat(answers).startsWith("HTTP/1.1 200");
        assertThat(answers.indexOf("chat.completion")).isPositive()
                .isLessThan(answers.indexOf("\"object\":\"list\""));
    }

    @Test
    void runnerIsReachedByName() throws Exception {
        runner.respondJson(CHAT, chatCompletion(QWEN, 1, 1));
        startBridge(new BridgeConfigBuilder(runner.engineUrl().replace("127.0.0.1", "localhost")).build());

        assertThat(post("/v1/chat/completions", "{}").statusCode()).isEqualTo(200);
    }

    @Test
    void headersAndBodiesNeverReachTheLogOrTheAdminPort() throws Exception {
        String canary = "test-canary-7f3a9c";
        runner.respondJson(CHAT, chatCompletion(QWEN, 1, 1));
        startBridge(config(null));

        send(HttpRequest.newBuilder(URI.create(bridgeUrl("/v1/chat/completions")))
                .header("Authorization", "Bearer " + canary)
                .POST(HttpRequest.BodyPublishers.ofString("{\"messages\":[{\"role\":\"user\",\"content\":\""
                        + canary + "\"}]}")));
        send(HttpRequest.newBuilder(URI.create(bridgeUrl("/v1/chat/completions")))
                .header("x-api-key", canary)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"ai/other\",\"note\":\"" + canary + "\"}")));

        assertThat(logText()).contains("\"event\":\"inference\"", "\"event\":\"refused\"").doesNotContain(canary);
        assertThat(admin("/metrics").body()).doesNotContain(canary);
        assertThat(admin("/status").body()).doesNotContain(canary);
    }

    @Test
    void adminPortServesStatusAndPrometheusMetrics() throws Exception {
        runner.respondJson(CHAT, chatCompletion(QWEN, 10, 20));
        startBridge(config(null));
        post("/v1/chat/completions", "{}");
        post("/api/pull", "{}");

        HttpResponse<String> status = admin("/status");
        HttpResponse<String> metrics = admin("/metrics");

        com.fasterxml.jackson.databind.node.ObjectNode reported = (com.fasterxml.jackson.databind.node.ObjectNode) json(status.body());
        java.time.Instant.parse(reported.remove("lastActivity").asText());
        assertThat(reported).isEqualTo(json("{\"requests\":1,\"promptTokens\":10,\"completionTokens\":20,"
                + "\"streamsWithoutUsage\":0,\"refused\":{\"path_not_allowed\":1},\"models\":[{\"model\":\"" + QWEN
                + "\",\"requests\":1,\"promptTokens\":10,\"completionTokens\":20}]}"));
        assertThat(metrics.body())
                .contains("agentsandbox_bridge_requests_total 1.0")
                .contains("agentsandbox_bridge_prompt_tokens_total 10.0")
                .contains("agentsandbox_bridge_completion_tokens_total 20.0")
                .contains("agentsandbox_bridge_refused_total{code=\"path_not_allowed\"} 1.0");
        assertThat(admin("/healthz").statusCode()).isEqualTo(200);
    }

    private String runnerHost() {
        return URI.create(runner.engineUrl()).getAuthority();
    }
}
