package dev.agentsandbox.sidecar.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class InferenceRequestRewriterTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final ModelPolicy policy = new ModelPolicy("ai/qwen2.5", List.of("ai/qwen2.5", "ai/gpt-oss"));

    private InferenceRequestRewriter.Result rewrite(InferenceRoute route, String body) {
        return InferenceRequestRewriter.rewrite(route, body.getBytes(StandardCharsets.UTF_8), policy);
    }

    private static JsonNode json(byte[] body) throws IOException {
        return MAPPER.readTree(body);
    }

    @Test
    void allowedModelWithoutStreamIsSentUnchanged() throws IOException {
        String body = "{\"model\":\"ai/gpt-oss\",\"messages\":[]}";
        var result = rewrite(InferenceRoute.CHAT_COMPLETIONS, body);

        assertThat(result.refused()).isFalse();
        assertThat(json(result.body())).isEqualTo(MAPPER.readTree(body));
        assertThat(result.model()).isEqualTo("ai/gpt-oss");
        assertThat(result.streaming()).isFalse();
    }

    @Test
    void missingModelGetsTheDefaultAndKeepsTheRest() throws IOException {
        var result = rewrite(InferenceRoute.EMBEDDINGS, "{\"input\":\"hello\",\"dimensions\":8}");

        JsonNode sent = json(result.body());
        assertThat(sent.get("model").asText()).isEqualTo("ai/qwen2.5");
        assertThat(sent.get("input").asText()).isEqualTo("hello");
        assertThat(sent.get("dimensions").asInt()).isEqualTo(8);
    }

    /** A body of millions of tiny values would cost the heap far more than its bytes: refused by token count. */
    @Test
    void aBodyOfTooManyJsonTokensIsRefusedBeforeItsTreeIsBuilt() {
        String manyTokens = "{\"input\":[" + "{},".repeat((int) InferenceRequestRewriter.MAX_JSON_TOKENS / 2)
                + "{}]}";
        var result = rewrite(InferenceRoute.EMBEDDINGS, manyTokens);

        assertThat(result.refused()).isTrue();
        assertThat(result.refusal().status()).isEqualTo(HttpResponseStatus.BAD_REQUEST);
        assertThat(result.refusal().message()).containsIgnoringCase("token count");

        String tokenArrays = "{\"input\":[" + "15339,".repeat(100_000) + "1]}";
        assertThat(rewrite(InferenceRoute.EMBEDDINGS, tokenArrays).refused()).as("a large embeddings batch").isFalse();
    }

    /** Jackson takes the number, Java's BigDecimal cannot hold it: a 400, not an exception that drops the connection. */
    @Test
    void aNumberBeyondWhatJavaHoldsIsRefused() {
        for (String number : List.of("1e2147483648", "100E2147483647647")) {
            var result = rewrite(InferenceRoute.CHAT_COMPLETIONS, "{\"model\":\"ai/gpt-oss\",\"x\":" + number + "}");

            assertThat(result.refused()).as(number).isTrue();
            assertThat(result.refusal().status()).isEqualTo(HttpResponseStatus.BAD_REQUEST);
            assertThat(result.refusal().message()).contains("number is out of range");
        }
    }

    @Test
    void nullModelGetsTheDefault() throws IOException {
        var result = rewrite(InferenceRoute.MESSAGES, "{\"model\":null,\"max_tokens\":5}");

        assertThat(json(result.body()).get("model").asText()).isEqualTo("ai/qwen2.5");
    }

    @Test
    void unlistedModelIsRefusedWith403() {
        var result = rewrite(InferenceRoute.MESSAGES, "{\"model\":\"claude-opus\",\"max_tokens\":5}");

        assertThat(result.refusal().status()).isEqualTo(HttpResponseStatus.FORBIDDEN);
        assertThat(result.refusal().code()).isEqualTo("model_not_allowed");
        assertThat(result.refusal().message()).contains("claude-opus", "ai/qwen2.5", "ai/gpt-oss");
    }

    @Test
    void streamedChatAsksForUsage() throws IOException {
        var result = rewrite(InferenceRoute.CHAT_COMPLETIONS, "{\"model\":\"ai/qwen2.5\",\"stream\":true}");

        assertThat(result.streaming()).isTrue();
        assertThat(json(result.body()).at("/stream_options/include_usage").asBoolean()).isTrue();
    }

    @Test
    void usageIsForcedEvenWhenTheClientDeclinedIt() throws IOException {
        var result = rewrite(InferenceRoute.COMPLETIONS,
                "{\"model\":\"ai/qwen2.5\",\"stream\":true,\"stream_options\":{\"include_usage\":false,\"x\":1}}");

        JsonNode sent = json(result.body());
        assertThat(sent.at("/stream_options/include_usage").asBoolean()).isTrue();
        assertThat(sent.at("/stream_options/x").asInt()).isEqualTo(1);
    }

    @Test
    void streamThatAlreadyAsksForUsageIsUnchanged() throws IOException {
        String body = "{\"model\":\"ai/qwen2.5\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        var result = rewrite(InferenceRoute.CHAT_COMPLETIONS, body);

        assertThat(json(result.body())).isEqualTo(MAPPER.readTree(body));
    }

    @Test
    void anthropicAndResponsesStreamsAreNotGivenOpenAiStreamOptions() throws IOException {
        for (InferenceRoute route : List.of(InferenceRoute.MESSAGES, InferenceRoute.RESPONSES)) {
            assertThat(json(rewrite(route, "{\"model\":\"ai/qwen2.5\",\"stream\":true}").body()).has("stream_options"))
                    .isFalse();
        }
    }

    @Test
    void malformedBodiesAre400NamingTheProblem() {
        assertThat(rewrite(InferenceRoute.CHAT_COMPLETIONS, "{\"model\":").refusal().message())
                .startsWith("request body is not valid JSON");
        assertThat(rewrite(InferenceRoute.CHAT_COMPLETIONS, "[1]").refusal().message())
                .contains("JSON object");
        assertThat(rewrite(InferenceRoute.CHAT_COMPLETIONS, "{\"model\":42}").refusal().message())
                .contains("\"model\" must be a string");
        assertThat(rewrite(InferenceRoute.CHAT_COMPLETIONS, "").refusal().status())
                .isEqualTo(HttpResponseStatus.BAD_REQUEST);
    }

    /** The fold as first written: every code point upper-cased then lower-cased, with no shortcut. */
    private static String referenceFold(String name) {
        StringBuilder folded = new StringBuilder(name.length());
        name.codePoints().forEach(c -> folded.appendCodePoint(Character.toLowerCase(Character.toUpperCase(c))));
        return folded.toString();
    }

    @Test
    void foldingMatchesPerCodePointFoldingForAsciiAndBeyond() {
        List<String> names = List.of("", "model", "Model", "MAX_TOKENS", "stream_options", "include_usage",
                "\u017ftream", "max_to\u212aens", "\u03a3\u03c3\u03c2", "\u0130d", "\u00dfeta", "mod\u00e9l",
                "\ud801\udc00x", "\ud801", "x\udc00", "@[`{\u007f", "Z\u0080");
        for (String name : names) {
            assertThat(FoldedKeys.fold(name)).as("%s", name).isEqualTo(referenceFold(name));
        }
        java.util.SplittableRandom random = new java.util.SplittableRandom(18);
        char[] alphabet = "aAzZ_-09sSkK\u017f\u212a\u0130\u0131\u03c2\u00b5\u1e9e\ud801\udc00\u0000\u007f\u0080".toCharArray();
        for (int i = 0; i < 20_000; i++) {
            char[] name = new char[random.nextInt(1, 12)];
            for (int j = 0; j < name.length; j++) {
                name[j] = alphabet[random.nextInt(alphabet.length)];
            }
            String text = new String(name);
            assertThat(FoldedKeys.fold(text)).as("%s", text).isEqualTo(referenceFold(text));
        }
    }

    @Test
    void aCheckedFieldSpelledAnyOtherWayIsRefusedNamingTheSpelling() {
        for (String key : List.of("Model", "\u017ftream", "MAX_TOKENS", "max_to\u212aens")) {
            var result = rewrite(InferenceRoute.CHAT_COMPLETIONS, "{\"" + key + "\":\"x\",\"messages\":[]}");
            assertThat(result.refused()).as(key).isTrue();
            assertThat(result.refusal().message()).as(key).contains("must be spelled").contains("exactly");
        }
        var nested = rewrite(InferenceRoute.CHAT_COMPLETIONS,
                "{\"stream\":true,\"stream_options\":{\"Include_Usage\":false},\"messages\":[]}");
        assertThat(nested.refusal().message()).contains("stream_options.include_usage");
        var twice = rewrite(InferenceRoute.CHAT_COMPLETIONS, "{\"Temperature\":1,\"temperature\":2}");
        assertThat(twice.refusal().message()).contains("differ only in case");
    }
}
