package dev.agentsandbox.sidecar.bridge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RunnerEndpointsTest {

    @ParameterizedTest
    @CsvSource({
            // upstream, OpenAI chat target, Anthropic messages target
            "http://docker-model-runner.model-runner.svc/engines/llama.cpp, /engines/llama.cpp/v1/chat/completions, /anthropic/v1/messages",
            "http://docker-model-runner.model-runner.svc/engines/llama.cpp/, /engines/llama.cpp/v1/chat/completions, /anthropic/v1/messages",
            "http://runner:12434/engines, /engines/v1/chat/completions, /anthropic/v1/messages",
            "http://gateway/dmr/engines/vllm, /dmr/engines/vllm/v1/chat/completions, /dmr/anthropic/v1/messages",
            "http://runner:12434, /v1/chat/completions, /anthropic/v1/messages",
            "http://runner/enginesx, /enginesx/v1/chat/completions, /enginesx/anthropic/v1/messages",
    })
    void openAiRoutesAppendToTheEngineAndAnthropicGoesToTheRunnerRoot(String upstream, String chat, String messages) {
        RunnerEndpoints endpoints = RunnerEndpoints.of(upstream);

        assertThat(endpoints.target(InferenceRoute.CHAT_COMPLETIONS, "")).isEqualTo(chat);
        assertThat(endpoints.target(InferenceRoute.MESSAGES, "")).isEqualTo(messages);
    }

    @Test
    void hostPortAndQuery() {
        RunnerEndpoints endpoints = RunnerEndpoints.of("http://127.0.0.1:12434/engines/llama.cpp");

        assertThat(endpoints.host()).isEqualTo("127.0.0.1");
        assertThat(endpoints.port()).isEqualTo(12434);
        assertThat(endpoints.hostHeader()).isEqualTo("127.0.0.1:12434");
        assertThat(endpoints.target(InferenceRoute.MESSAGES, "?beta=true")).isEqualTo("/anthropic/v1/messages?beta=true");
        assertThat(RunnerEndpoints.of("http://runner.svc/engines/x").hostHeader()).isEqualTo("runner.svc");
        assertThat(RunnerEndpoints.of("http://runner.svc/engines/x").port()).isEqualTo(80);
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://runner/engines/llama.cpp", "runner/engines", "http:///engines", "ftp://runner",
            "http://user:pw@runner/engines", "http://runner/engines?x=1", "http://run ner/"})
    void badUpstreamIsRefusedWithAnExample(String upstream) {
        assertThatThrownBy(() -> RunnerEndpoints.of(upstream))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("upstream '" + upstream + "'");
    }
}
