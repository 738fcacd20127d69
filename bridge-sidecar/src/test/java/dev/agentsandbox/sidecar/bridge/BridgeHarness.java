package dev.agentsandbox.sidecar.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.sidecar.contract.BridgeConfig;
import dev.agentsandbox.sidecar.contract.BridgeStatus;
import dev.agentsandbox.sidecar.core.HostAndPort;
import dev.agentsandbox.sidecar.core.JsonLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A fake runner and a bridge in front of it, both real servers on loopback, and a real HTTP client. */
abstract class BridgeHarness {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String QWEN = "ai/qwen2.5:7B-Q4_K_M";
    static final String GPT_OSS = "ai/gpt-oss:20B-UD-Q4_K_XL";
    /** Generous: only a guard against a hang, never a measure of speed. */
    static final Duration HANG_GUARD = Duration.ofSeconds(30);

    FakeModelRunner runner;
    Bridge bridge;
    final ByteArrayOutputStream logOutput = new ByteArrayOutputStream();
    JsonLog log;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(HANG_GUARD).build();

    @BeforeEach
    void startRunner() throws IOException {
        runner = new FakeModelRunner();
        log = new JsonLog("bridge", logOutput);
    }

    @AfterEach
    void stopAll() throws IOException {
        if (bridge != null) {
            bridge.close();
        }
        runner.close();
        log.close();
    }

    BridgeConfig config(Long tokenBudget) {
        return new BridgeConfig(runner.engineUrl(), QWEN, List.of(QWEN, GPT_OSS), tokenBudget);
    }

    void startBridge(BridgeConfig config) throws Exception {
        startBridge(config, Optional.empty(), HANG_GUARD);
    }

    void startBridge(BridgeConfig config, Optional<Path> configFile, Duration readTimeout) throws Exception {
        startBridge(config, configFile, readTimeout, UsagelessStreams.Mode.ESTIMATE);
    }

    void startBridge(BridgeConfig config, Optional<Path> configFile, Duration readTimeout,
                     UsagelessStreams.Mode streamWithoutUsage) throws Exception {
        bridge = Bridge.start(new BridgeOptions(new HostAndPort("127.0.0.1", 0), new HostAndPort("127.0.0.1", 0),
                configFile, config, HANG_GUARD, readTimeout, BridgeLimits.DEFAULTS, streamWithoutUsage), log);
    }

    String bridgeUrl(String path) {
        return "http://127.0.0.1:" + bridge.address().getPort() + path;
    }

    HttpResponse<String> post(String path, String json) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(bridgeUrl(path)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(HANG_GUARD).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> admin(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bridge.adminAddress().getPort()
                + path)).timeout(HANG_GUARD).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The meter's totals alone (what per-model counters, refusals and the activity time leave out). */
    BridgeStatus totals() {
        BridgeStatus status = bridge.meter().status();
        return new BridgeStatus(status.requests(), status.promptTokens(), status.completionTokens(),
                status.streamsWithoutUsage());
    }

    static JsonNode json(String body) throws IOException {
        return JSON.readTree(body);
    }

    String logText() {
        log.flush();
        return logOutput.toString(StandardCharsets.UTF_8);
    }

    static String chatCompletion(String model, long prompt, long completion) {
        return """
                {"id":"chatcmpl-1","object":"chat.completion","model":"%s","choices":[{"index":0,\
                "message":{"role":"assistant","content":"Hello!"},"finish_reason":"stop"}],\
                "usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}""".formatted(model, prompt,
                completion, prompt + completion);
    }
}
