package dev.agentsandbox.sidecar.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.sidecar.contract.BridgeStatus;
import dev.agentsandbox.sidecar.contract.SidecarConfigJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The bridge's refusals, end to end: what the client gets and that the runner never hears of it. */
@Timeout(120)
class BridgePolicyTest extends BridgeHarness {

    private static final String CHAT = "/engines/llama.cpp/v1/chat/completions";

    @ParameterizedTest
    @CsvSource({
            "POST, /engines/install-backend",
            "DELETE, /models/ai/smollm2",
            "POST, /models/create",
            "GET, /engines/llama.cpp/v1/models",
            "POST, /api/pull",
            "PUT, /v1/chat/completions",
            "POST, /v1/chat/completions/../../models/create",
    })
    void everythingButInferenceIs403(String method, String path) throws Exception {
        startBridge(config(null));

        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(bridgeUrl(path)))
                .method(method, HttpRequest.BodyPublishers.ofString("{\"from\":\"ai/smollm2\"}")));

        assertThat(response.statusCode()).isEqualTo(403);
        JsonNode error = json(response.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("path_not_allowed");
        assertThat(error.get("message").asText()).contains(method + " " + path, "POST /v1/chat/completions");
        assertThat(runner.pendingRequests()).isZero();
        assertThat(bridge.meter().status().requests()).isZero();
    }

    @Test
    void modelOutsideTheListIs403NamingTheAllowedOnes() throws Exception {
        startBridge(config(null));

        HttpResponse<String> response = post("/v1/chat/completions", "{\"model\":\"ai/llama3.3\",\"messages\":[]}");

        assertThat(response.statusCode()).isEqualTo(403);
        JsonNode error = json(response.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("model_not_allowed");
        assertThat(error.get("message").asText()).contains("ai/llama3.3", QWEN, GPT_OSS);
        assertThat(runner.pendingRequests()).isZero();
    }

    @Test
    void listedModelPassesAsRequested() throws Exception {
        runner.respondJson(CHAT, chatCompletion(GPT_OSS, 1, 1));
        startBridge(config(null));

        assertThat(post("/v1/chat/completions", "{\"model\":\"" + GPT_OSS + "\"}").statusCode()).isEqualTo(200);

        assertThat(json(runner.takeRequest().body()).get("model").asText()).isEqualTo(GPT_OSS);
    }

    @Test
    void invalidJsonIs400() throws Exception {
        startBridge(config(null));

        HttpResponse<String> response = post("/v1/embeddings", "{\"input\":");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response.body()).at("/error/message").asText()).startsWith("request body is not valid JSON");
        assertThat(runner.pendingRequests()).isZero();
    }

    @Test
    void malformedRequestIs400AndNeverForwarded() throws Exception {
        startBridge(config(null));

        String response;
        try (Socket socket = new Socket("127.0.0.1", bridge.address().getPort())) {
            socket.setSoTimeout((int) HANG_GUARD.toMillis());
            socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: bridge\r\n"
                    + "Content-Length: twelve\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII));
            response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }

        assertThat(response).startsWith("HTTP/1.1 400").contains("malformed HTTP request");
        assertThat(runner.pendingRequests()).isZero();
    }

    @Test
    void spentBudgetIs429AndStopsForwarding() throws Exception {
        runner.respondJson(CHAT, chatCompletion(QWEN, 30, 10));
        startBridge(config(50L));

        assertThat(post("/v1/chat/completions", "{}").statusCode()).isEqualTo(200);
        assertThat(post("/v1/chat/completions", "{}").statusCode())
                .as("40 of 50 tokens spent: the next request may still go").isEqualTo(200);
        HttpResponse<String> refused = post("/v1/chat/completions", "{}");

        assertThat(refused.statusCode()).isEqualTo(429);
        JsonNode error = json(refused.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("token_budget_exceeded");
        assertThat(error.get("type").asText()).isEqualTo("insufficient_quota");
        assertThat(error.get("message").asText()).contains("50 tokens", "80 used");
        assertThat(totals()).isEqualTo(new BridgeStatus(2, 60, 20, 0));
        runner.takeRequest();
        runner.takeRequest();
        assertThat(runner.pendingRequests()).isZero();
    }

    @Test
    void bodyOfExactlyTenMebibytesIsRead() throws Exception {
        startBridge(config(null));
        byte[] body = new byte[BridgeLimits.DEFAULTS.maxBodyBytes()];
        java.util.Arrays.fill(body, (byte) ' ');

        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(bridgeUrl("/v1/embeddings")))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));

        assertThat(response.statusCode()).as("read whole, then judged: blank is not a JSON object").isEqualTo(400);
    }

    @Test
    void changedConfigFileAppliesWithoutRestart(@TempDir Path dir) throws Exception {
        runner.respondJson(CHAT, chatCompletion(QWEN, 1, 1));
        Path file = dir.resolve("bridge.json");
        Files.writeString(file, SidecarConfigJson.write(
                new BridgeConfigBuilder(runner.engineUrl()).build()));
        startBridge(SidecarConfigJson.readBridge(file), Optional.of(file), HANG_GUARD);
        assertThat(post("/v1/chat/completions", "{\"model\":\"" + GPT_OSS + "\"}").statusCode()).isEqualTo(403);

        Files.writeString(file, "{\"upstream\": 42, \"oops\": true}");
        Files.writeString(file, SidecarConfigJson.write(
                new BridgeConfigBuilder(runner.engineUrl()).allow(QWEN, GPT_OSS).build()));

        long deadline = System.nanoTime() + HANG_GUARD.toNanos();
        int status;
        do {
            Thread.sleep(50);
            status = post("/v1/chat/completions", "{\"model\":\"" + GPT_OSS + "\"}").statusCode();
        } while (status != 200 && System.nanoTime() < deadline);
        assertThat(status).isEqualTo(200);
        assertThat(logText()).contains("\"event\":\"config-applied\"");
    }

    @Test
    void brokenConfigFileIsRejectedAndTheLastGoodOneStays(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bridge.json");
        Files.writeString(file, SidecarConfigJson.write(new BridgeConfigBuilder(runner.engineUrl()).build()));
        startBridge(SidecarConfigJson.readBridge(file), Optional.of(file), HANG_GUARD);

        Files.writeString(file, "{\"upstream\":\"" + runner.engineUrl() + "\",\"defaultModel\":\"a\","
                + "\"allowedModels\":[\"b\"]}");

        long deadline = System.nanoTime() + HANG_GUARD.toNanos();
        while (!logText().contains("config-rejected") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(logText()).contains("\"event\":\"config-rejected\"", "defaultModel 'a' is not in allowedModels");
        assertThat(post("/v1/chat/completions", "{\"model\":\"b\"}").statusCode()).isEqualTo(403);
    }
}
