package dev.agentsandbox.sidecar.bridge;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many parallel streams on a small budget: the runner holds each answer a moment, so all the requests are in
 * flight together, which is when counting tokens only as answers end let the budget be spent many times over.
 */
class BudgetConcurrencyTest extends BridgeHarness {

    private static final String CHAT = "/engines/llama.cpp/v1/chat/completions";
    private static final long BUDGET = 1000;
    /** What each answer reports: 10 prompt + 90 completion tokens. */
    private static final long PER_REQUEST = 100;
    /** Parallel streams: as many as the bridge's connection cap lets one agent open at once, nearly. */
    private static final int STREAMS = 60;

    @Test
    void sixtyParallelStreamsStayWithinTheBudgetPlusOneRequest() throws Exception {
        AtomicInteger reachedRunner = new AtomicInteger();
        runner.respond(CHAT, exchange -> {
            reachedRunner.incrementAndGet();
            Thread.sleep(300);
            FakeModelRunner.send(exchange, 200, "text/event-stream", """
                    data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hi"}}]}

                    data: {"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":10,\
                    "completion_tokens":90,"total_tokens":100}}

                    data: [DONE]

                    """);
        });
        startBridge(config(BUDGET));

        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) {
            all.add(http.sendAsync(HttpRequest.newBuilder(URI.create(bridgeUrl("/v1/chat/completions")))
                    .header("Content-Type", "application/json").timeout(HANG_GUARD)
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"stream\":true,\"max_tokens\":90,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

        long ok = all.stream().filter(f -> f.join().statusCode() == 200).count();
        long tooMany = all.stream().filter(f -> f.join().statusCode() == 429).count();
        assertThat(ok + tooMany).isEqualTo(STREAMS);
        assertThat(ok).isPositive();
        assertThat(reachedRunner.get()).isEqualTo((int) ok);
        long spent = bridge.meter().tokensUsed();
        System.out.println("budget-concurrency: admitted=" + ok + " refused=" + tooMany + " spent=" + bridge.meter().tokensUsed());
        assertThat(spent).as("tokens spent by %d admitted streams", ok).isLessThanOrEqualTo(BUDGET + PER_REQUEST);
        for (var answer : all) {
            if (answer.join().statusCode() == 429) {
                assertThat(json(answer.join().body()).at("/error/code").asText())
                        .isIn("token_budget_exceeded", "token_budget_reserved", "too_many_concurrent");
            }
        }
    }
}
