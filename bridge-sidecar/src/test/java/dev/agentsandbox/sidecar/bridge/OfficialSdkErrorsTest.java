package dev.agentsandbox.sidecar.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentsandbox.operator.testing.PythonSdks;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bridge's own answers as the official Python SDKs of Anthropic and OpenAI read them: each raises its own
 * exception class with the bridge's message, and neither retries a spent budget (the bridge counts the requests it
 * refused). The SDKs come from PyPI at pinned versions, into a cached virtual environment made by
 * {@code hack/install-python-sdks.sh} (which {@code .ci/run} calls too; a warm run is a no-op).
 */
@Timeout(300)
class OfficialSdkErrorsTest extends BridgeHarness {

    private static Path python;
    private static Path script;

    @BeforeAll
    static void installSdks() throws Exception {
        python = PythonSdks.interpreter(Path.of("").toAbsolutePath().getParent());
        script = sdkScript();
    }

    @ParameterizedTest
    @ValueSource(strings = {"anthropic", "openai"})
    void aSpentBudgetIsARateLimitErrorThatIsNotRetried(String sdk) throws Exception {
        runner.respondJson("/engines/llama.cpp/v1/chat/completions", chatCompletion(QWEN, 10, 5));
        startBridge(config(10L));
        assertThat(post("/v1/chat/completions", "{\"max_tokens\":16}").statusCode()).isEqualTo(200);

        JsonNode outcome = call(sdk, QWEN, 2);

        assertThat(outcome.path("exception").asText()).as(outcome.toString()).isEqualTo("RateLimitError");
        assertThat(outcome.path("status").asInt()).isEqualTo(429);
        assertThat(outcome.path("message").asText()).contains("token budget of 10 tokens is spent");
        assertThat(refused("token_budget_exceeded"))
                .as("the SDK (max_retries=2) sent the request once: x-should-retry: false").isEqualTo(1);
        if (sdk.equals("anthropic")) {
            assertThat(outcome.path("type").asText()).isEqualTo("rate_limit_error");
        } else {
            assertThat(outcome.path("code").asText()).isEqualTo("token_budget_exceeded");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"anthropic", "openai"})
    void aModelOutsideTheAllowListIsPermissionDenied(String sdk) throws Exception {
        startBridge(config(null));

        JsonNode outcome = call(sdk, "ai/not-allowed", 0);

        assertThat(outcome.path("exception").asText()).as(outcome.toString()).isEqualTo("PermissionDeniedError");
        assertThat(outcome.path("status").asInt()).isEqualTo(403);
        assertThat(outcome.path("message").asText()).contains("ai/not-allowed", QWEN);
        assertThat(outcome.path("type").asText()).isEqualTo("permission_error");
    }

    @ParameterizedTest
    @ValueSource(strings = {"anthropic", "openai"})
    void aBodyTheRunnerCouldMisreadIsABadRequest(String sdk) throws Exception {
        startBridge(config(null));
        ObjectNode extra = JSON.createObjectNode().put("Stream", true);

        JsonNode outcome = call(sdk, QWEN, 0, extra);

        assertThat(outcome.path("exception").asText()).as(outcome.toString()).isEqualTo("BadRequestError");
        assertThat(outcome.path("message").asText()).contains("\"Stream\"");
        assertThat(outcome.path("type").asText()).isEqualTo("invalid_request_error");
    }

    @ParameterizedTest
    @ValueSource(strings = {"anthropic", "openai"})
    void aRunnerThatIsDownIsAServerError(String sdk) throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        startBridge(new BridgeConfigBuilder("http://127.0.0.1:" + closedPort + "/engines/llama.cpp").build());

        JsonNode outcome = call(sdk, QWEN, 0);

        assertThat(outcome.path("exception").asText()).as(outcome.toString()).isEqualTo("InternalServerError");
        assertThat(outcome.path("status").asInt()).isEqualTo(502);
        assertThat(outcome.path("message").asText()).contains("unreachable");
        assertThat(outcome.path("type").asText()).isEqualTo(sdk.equals("anthropic") ? "api_error" : "upstream_error");
    }

    private JsonNode call(String sdk, String model, int maxRetries) throws Exception {
        return call(sdk, model, maxRetries, JSON.createObjectNode());
    }

    private JsonNode call(String sdk, String model, int maxRetries, ObjectNode extraBody) throws Exception {
        ObjectNode args = JSON.createObjectNode()
                .put("sdk", sdk)
                .put("base_url", "http://127.0.0.1:" + bridge.address().getPort())
                .put("model", model)
                .put("max_retries", maxRetries);
        args.set("extra_body", extraBody);
        Process process = new ProcessBuilder(List.of(python.toString(), script.toString(), args.toString()))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return json(output.strip().lines().reduce((a, b) -> b).orElseThrow());
    }

    /** How many requests the bridge refused with {@code code}, from its Prometheus counter. */
    private long refused(String code) throws Exception {
        String prefix = "agentsandbox_bridge_refused_total{code=\"" + code + "\"";
        return admin("/metrics").body().lines().filter(line -> line.startsWith(prefix))
                .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static Path sdkScript() throws IOException, URISyntaxException {
        Path script = Path.of(OfficialSdkErrorsTest.class.getResource("/sdk/call_bridge.py").toURI());
        assertThat(Files.isRegularFile(script)).isTrue();
        return script;
    }
}
