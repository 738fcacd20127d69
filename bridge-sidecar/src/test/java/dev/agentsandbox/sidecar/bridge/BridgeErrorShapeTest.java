package dev.agentsandbox.sidecar.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The answers the bridge gives itself, over real HTTP: in the Anthropic error shape on the Anthropic routes, in the
 * OpenAI shape on the OpenAI routes, with the error type that goes with each status, and a spent budget's {@code 429}
 * telling clients not to retry.
 */
@Timeout(120)
class BridgeErrorShapeTest extends BridgeHarness {

    /** What makes the bridge answer a request itself. */
    enum Cause {
        MODEL_NOT_ALLOWED, BUDGET_SPENT, BAD_BODY, RUNNER_DOWN, BODY_TOO_LARGE
    }

    @ParameterizedTest(name = "{0} {1}: {2} {3}")
    @CsvSource({
            "/v1/messages,              MODEL_NOT_ALLOWED, 403, permission_error",
            "/v1/messages,              BUDGET_SPENT,      429, rate_limit_error",
            "/v1/messages,              BAD_BODY,          400, invalid_request_error",
            "/v1/messages,              RUNNER_DOWN,       502, api_error",
            "/v1/messages,              BODY_TOO_LARGE,    413, request_too_large",
            "/v1/messages/count_tokens, MODEL_NOT_ALLOWED, 403, permission_error",
            "/v1/messages/count_tokens, BUDGET_SPENT,      429, rate_limit_error",
            "/v1/messages/count_tokens, RUNNER_DOWN,       502, api_error",
    })
    void anthropicRoutesAnswerInTheAnthropicShape(String path, Cause cause, int status, String type)
            throws Exception {
        HttpResponse<String> response = provoke(path, cause);

        assertThat(response.statusCode()).isEqualTo(status);
        JsonNode body = json(response.body());
        assertThat(body.get("type").asText()).isEqualTo("error");
        assertThat(body.get("error").get("type").asText()).isEqualTo(type);
        assertThat(body.get("error").get("message").asText()).isNotBlank();
        assertThat(body.properties()).extracting(Map.Entry::getKey).containsExactly("type", "error");
        assertThat(response.headers().firstValue(BridgeError.CODE_HEADER)).isPresent();
    }

    @ParameterizedTest(name = "{0} {1}: {2} {3}/{4}")
    @CsvSource({
            "/v1/chat/completions, MODEL_NOT_ALLOWED, 403, permission_error,      model_not_allowed",
            "/v1/chat/completions, BUDGET_SPENT,      429, insufficient_quota,    token_budget_exceeded",
            "/v1/chat/completions, BAD_BODY,          400, invalid_request_error, invalid_body",
            "/v1/chat/completions, RUNNER_DOWN,       502, upstream_error,        runner_unreachable",
            "/v1/chat/completions, BODY_TOO_LARGE,    413, invalid_request_error, body_too_large",
            "/v1/responses,        MODEL_NOT_ALLOWED, 403, permission_error,      model_not_allowed",
            "/v1/embeddings,       BUDGET_SPENT,      429, insufficient_quota,    token_budget_exceeded",
            "/v1/completions,      RUNNER_DOWN,       502, upstream_error,        runner_unreachable",
    })
    void openAiRoutesAnswerInTheOpenAiShape(String path, Cause cause, int status, String type, String code)
            throws Exception {
        HttpResponse<String> response = provoke(path, cause);

        assertThat(response.statusCode()).isEqualTo(status);
        JsonNode error = json(response.body()).get("error");
        assertThat(json(response.body()).size()).isEqualTo(1);
        assertThat(error.get("type").asText()).isEqualTo(type);
        assertThat(error.get("code").asText()).isEqualTo(code);
        assertThat(error.has("param")).as("the OpenAI shape names the parameter, null when none").isTrue();
        assertThat(error.get("message").asText()).isNotBlank();
        assertThat(response.headers().firstValue(BridgeError.CODE_HEADER)).hasValue(code);
    }

    @ParameterizedTest
    @CsvSource({"/v1/messages", "/v1/chat/completions"})
    void aSpentBudgetTellsClientsNotToRetry(String path) throws Exception {
        HttpResponse<String> response = provoke(path, Cause.BUDGET_SPENT);

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("x-should-retry")).hasValue("false");
        assertThat(response.headers().firstValue("retry-after")).isEmpty();
        assertThat(response.headers().firstValue("retry-after-ms")).isEmpty();
    }

    @Test
    void refusalsARetryCanCureLeaveTheDecisionToTheClient() throws Exception {
        HttpResponse<String> response = provoke("/v1/messages", Cause.RUNNER_DOWN);

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.headers().firstValue("x-should-retry")).isEmpty();
    }

    @Test
    void anUnknownPathSpeaksTheClientsApi() throws Exception {
        startBridge(config(null));

        HttpResponse<String> anthropic = send(HttpRequest.newBuilder(URI.create(bridgeUrl("/v1/messages/batches")))
                .header("anthropic-version", "2023-06-01").POST(HttpRequest.BodyPublishers.ofString("{}")));
        HttpResponse<String> openAi = send(HttpRequest.newBuilder(URI.create(bridgeUrl("/v1/files"))).GET());

        assertThat(anthropic.statusCode()).isEqualTo(403);
        assertThat(json(anthropic.body()).at("/error/type").asText()).isEqualTo("permission_error");
        assertThat(json(anthropic.body()).get("type").asText()).isEqualTo("error");
        assertThat(openAi.statusCode()).isEqualTo(403);
        assertThat(json(openAi.body()).at("/error/code").asText()).isEqualTo("path_not_allowed");
    }

    private HttpResponse<String> provoke(String path, Cause cause) throws Exception {
        String body = "{\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        switch (cause) {
            case MODEL_NOT_ALLOWED -> {
                startBridge(config(null));
                body = "{\"model\":\"ai/not-allowed\",\"max_tokens\":16}";
            }
            case BUDGET_SPENT -> {
                runner.respondJson("/engines/llama.cpp/v1/chat/completions", chatCompletion(QWEN, 10, 5));
                startBridge(config(10L));
                assertThat(post("/v1/chat/completions", body).statusCode()).isEqualTo(200);
            }
            case BAD_BODY -> {
                startBridge(config(null));
                body = "{\"model\":\"" + QWEN + "\",\"model\":\"" + QWEN + "\"}";
            }
            case RUNNER_DOWN -> {
                int closedPort;
                try (ServerSocket socket = new ServerSocket(0)) {
                    closedPort = socket.getLocalPort();
                }
                startBridge(new BridgeConfigBuilder("http://127.0.0.1:" + closedPort + "/engines/llama.cpp").build());
            }
            case BODY_TOO_LARGE -> {
                startBridge(config(null));
                body = "{\"pad\":\"" + "x".repeat(BridgeLimits.DEFAULTS.maxBodyBytes()) + "\"}";
            }
        }
        return post(path, body);
    }
}
