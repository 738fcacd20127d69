package dev.agentsandbox.sidecar.bridge;

import dev.agentsandbox.sidecar.contract.BridgeStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A runner that ignores {@code stream_options.include_usage} (as llama-cpp-python's server does), over real HTTP: its
 * streamed answers are counted, logged and charged an estimate, so an agent that only streams still meets its
 * budget; with {@code --stream-without-usage refuse} such an answer is cut and the model's later streams refused.
 */
@Timeout(120)
class UsagelessStreamTest extends BridgeHarness {

    private static final String CHAT = "/engines/llama.cpp/v1/chat/completions";
    /** 7 + 11 characters of generated text: ceil(18 / 4) = 5 completion tokens. */
    private static final String STREAM_WITHOUT_USAGE = """
            data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant"}}]}

            data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hello, "}}]}

            data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"world! 1234"}}]}

            data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

            data: [DONE]

            """;
    private static final String STREAMED_REQUEST = "{\"stream\":true,\"max_tokens\":16,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private void runnerIgnoresIncludeUsage() {
        runnerIgnoresIncludeUsage(false);
    }

    /**
     * Streams without usage when asked to stream (with a {@code Content-Length}, or chunked event by event as
     * llama.cpp servers do); answers JSON with usage otherwise.
     */
    private void runnerIgnoresIncludeUsage(boolean chunked) {
        runner.respond(CHAT, exchange -> {
            if (FakeModelRunner.body(exchange).contains("\"stream\":true") && chunked) {
                FakeModelRunner.sendEventsChunked(exchange, STREAM_WITHOUT_USAGE);
            } else if (FakeModelRunner.body(exchange).contains("\"stream\":true")) {
                FakeModelRunner.send(exchange, 200, "text/event-stream", STREAM_WITHOUT_USAGE);
            } else {
                FakeModelRunner.send(exchange, 200, "application/json", chatCompletion(QWEN, 3, 2));
            }
        });
    }

    @Test
    void aStreamWithoutUsageIsCountedLoggedAndChargedAnEstimate() throws Exception {
        runnerIgnoresIncludeUsage();
        startBridge(config(null));

        HttpResponse<String> response = post("/v1/chat/completions", STREAMED_REQUEST);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).as("the answer passes whole").isEqualTo(STREAM_WITHOUT_USAGE);
        int sentBytes = runner.takeRequest().body().getBytes(StandardCharsets.UTF_8).length;
        assertThat(totals()).isEqualTo(new BridgeStatus(1, sentBytes / 4, 5, 1));
        assertThat(json(admin("/status").body()).get("streamsWithoutUsage").asLong()).isEqualTo(1);
        assertThat(admin("/metrics").body()).contains("agentsandbox_bridge_streams_without_usage_total 1.0");
        assertThat(logText()).contains("\"event\":\"stream-without-usage\"", "\"generatedChars\":18",
                "\"estimatedCompletionTokens\":5", "\"mode\":\"estimate\"");
    }

    @Test
    void theEstimateCountsTowardTheBudget() throws Exception {
        runnerIgnoresIncludeUsage();
        startBridge(config(20L));

        assertThat(post("/v1/chat/completions", STREAMED_REQUEST).statusCode()).isEqualTo(200);
        HttpResponse<String> next = post("/v1/chat/completions", STREAMED_REQUEST);

        assertThat(next.statusCode()).as("the estimate (> 20 tokens) spent the budget").isEqualTo(429);
        assertThat(json(next.body()).at("/error/code").asText()).isEqualTo("token_budget_exceeded");
    }

    @Test
    void aStreamThatReportsItsUsageIsNotEstimated() throws Exception {
        runner.respond(CHAT, exchange -> FakeModelRunner.send(exchange, 200, "text/event-stream", """
                data: {"choices":[{"index":0,"delta":{"content":"Hello, world! 1234"}}]}

                data: {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}

                data: [DONE]

                """));
        startBridge(config(null));

        assertThat(post("/v1/chat/completions", STREAMED_REQUEST).statusCode()).isEqualTo(200);

        assertThat(totals()).isEqualTo(new BridgeStatus(1, 9, 2, 0));
        assertThat(logText()).doesNotContain("stream-without-usage");
    }

    @ParameterizedTest(name = "chunked: {0}")
    @ValueSource(booleans = {false, true})
    void refuseCutsTheStreamAndRefusesTheModelsLaterStreams(boolean chunked) throws Exception {
        runnerIgnoresIncludeUsage(chunked);
        startBridge(config(null), Optional.empty(), HANG_GUARD, UsagelessStreams.Mode.REFUSE);

        assertThatThrownBy(() -> post("/v1/chat/completions", STREAMED_REQUEST))
                .as("the answer ends without its last chunk: the client sees a broken answer")
                .isInstanceOf(IOException.class);
        int sentBytes = runner.takeRequest().body().getBytes(StandardCharsets.UTF_8).length;
        assertThat(totals()).isEqualTo(new BridgeStatus(1, sentBytes / 4, 5, 1));

        HttpResponse<String> again = post("/v1/chat/completions", STREAMED_REQUEST);
        assertThat(again.statusCode()).isEqualTo(502);
        assertThat(again.headers().firstValue("x-should-retry")).hasValue("false");
        assertThat(json(again.body()).at("/error/code").asText()).isEqualTo("stream_usage_missing");
        assertThat(json(again.body()).at("/error/message").asText()).contains(QWEN, "\"stream\": false");
        assertThat(runner.pendingRequests()).as("refused before the runner").isZero();

        HttpResponse<String> unstreamed = send(HttpRequest.newBuilder(URI.create(bridgeUrl("/v1/chat/completions")))
                .POST(HttpRequest.BodyPublishers.ofString("{\"max_tokens\":16}")));
        assertThat(unstreamed.statusCode()).as("answers with usage still pass").isEqualTo(200);
        assertThat(logText()).contains("\"mode\":\"refuse\"");
    }

    @Test
    void aClientThatLeavesBeforeTheUsageEventIsChargedWhatItGot() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        runner.respond(CHAT, exchange -> {
            OutputStream out = FakeModelRunner.startEventStream(exchange);
            FakeModelRunner.event(out, "data: {\"choices\":[{\"delta\":{\"content\":\"12345678\"}}]}\n\n");
            // keeps streaming (events without text) until released: the usage event would come at the end
            while (!release.await(50, TimeUnit.MILLISECONDS)) {
                FakeModelRunner.event(out, "data: {\"choices\":[{\"delta\":{}}]}\n\n");
            }
        });
        startBridge(config(null));

        try {
            try (Socket agent = new Socket(InetAddress.getLoopbackAddress(), bridge.address().getPort())) {
                agent.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: b\r\nContent-Type: "
                        + "application/json\r\nContent-Length: " + STREAMED_REQUEST.length() + "\r\n\r\n"
                        + STREAMED_REQUEST).getBytes(StandardCharsets.UTF_8));
                BufferedReader answer = new BufferedReader(new InputStreamReader(agent.getInputStream(),
                        StandardCharsets.UTF_8));
                for (String line = answer.readLine(); !line.contains("12345678"); line = answer.readLine()) {
                    assertThat(line).isNotNull();
                }
            }
            // the runner holds its usage event until the bridge has seen the agent leave (at its next write)
            long deadline = System.nanoTime() + HANG_GUARD.toNanos();
            while (bridge.meter().status().completionTokens() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        } finally {
            release.countDown();
        }
        int sentBytes = runner.takeRequest().body().getBytes(StandardCharsets.UTF_8).length;
        assertThat(totals()).as("8 characters: 2 tokens, plus the prompt; not a runner's fault")
                .isEqualTo(new BridgeStatus(1, sentBytes / 4, 2, 0));
    }
}
