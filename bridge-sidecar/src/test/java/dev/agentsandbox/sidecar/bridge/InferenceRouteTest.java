package dev.agentsandbox.sidecar.bridge;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class InferenceRouteTest {

    @ParameterizedTest
    @CsvSource({
            "POST, /v1/chat/completions, CHAT_COMPLETIONS",
            "POST, /v1/completions, COMPLETIONS",
            "POST, /v1/embeddings, EMBEDDINGS",
            "POST, /v1/responses, RESPONSES",
            "POST, /v1/messages, MESSAGES",
            "POST, /v1/messages?beta=true, MESSAGES",
            "POST, /v1/messages/count_tokens, COUNT_TOKENS",
            "GET, /v1/models, MODELS",
    })
    void inferencePathsPass(String method, String uri, InferenceRoute expected) {
        assertThat(InferenceRoute.match(HttpMethod.valueOf(method), uri)).contains(expected);
    }

    @ParameterizedTest
    @CsvSource({
            "POST, /models/create",
            "DELETE, /models/ai/smollm2",
            "GET, /models",
            "POST, /engines/install-backend",
            "POST, /api/pull",
            "POST, /api/chat",
            "GET, /v1/chat/completions",
            "DELETE, /v1/models",
            "POST, /v1/models",
            "GET, /v1/models/ai/smollm2",
            "POST, /v1/chat/completions/",
            "POST, /v1/../models/create",
            "POST, /V1/chat/completions",
            "POST, //v1/chat/completions",
            "POST, http://runner/v1/chat/completions",
            "POST, /engines/llama.cpp/v1/chat/completions",
    })
    void everythingElseIsRefused(String method, String uri) {
        assertThat(InferenceRoute.match(HttpMethod.valueOf(method), uri)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"/v1/messages?beta=true, ?beta=true", "/v1/messages, ''"})
    void queryIsKept(String uri, String query) {
        assertThat(InferenceRoute.queryOf(uri)).isEqualTo(query);
    }

    @ParameterizedTest
    @CsvSource({
            "POST, /v1/messages,                   '',                ANTHROPIC",
            "POST, /v1/messages/count_tokens?x=1,  '',                ANTHROPIC",
            "GET,  /v1/messages,                   '',                ANTHROPIC",
            "POST, /v1/messages/batches,           '',                ANTHROPIC",
            "POST, /v1/complete,                   2023-06-01,        ANTHROPIC",
            "POST, /v1/chat/completions,           2023-06-01,        OPENAI",
            "POST, /v1/chat/completions,           '',                OPENAI",
            "GET,  /v1/files,                      '',                OPENAI",
            "POST, /v1/messagesx,                  '',                OPENAI",
    })
    void theErrorShapeFollowsTheRouteElseTheClient(String method, String uri, String anthropicVersion,
                                                   InferenceRoute.Api expected) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), uri);
        if (!anthropicVersion.isEmpty()) {
            request.headers().set("anthropic-version", anthropicVersion);
        }

        assertThat(InferenceRoute.Api.of(request)).isEqualTo(expected);
    }
}
