package dev.agentsandbox.sidecar.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bridge judges a body the way the runner reads it. Each body here is one that Jackson and Go's
 * {@code encoding/json} (case-insensitive keys with Unicode folding, the last duplicate wins) or llama.cpp (type
 * coercion) would read differently; each must be refused with a 400 that names the key, or forwarded in a form
 * that leaves no room for a second reading.
 */
class RunnerReadingTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final ModelPolicy policy = new ModelPolicy("ai/allowed", List.of("ai/allowed"));

    private InferenceRequestRewriter.Result rewrite(InferenceRoute route, String body) {
        return InferenceRequestRewriter.rewrite(route, body.getBytes(StandardCharsets.UTF_8), policy);
    }

    private void assertRefusedNaming(String body, String... named) {
        var result = rewrite(InferenceRoute.CHAT_COMPLETIONS, body);
        assertThat(result.refused()).as(body).isTrue();
        assertThat(result.refusal().status()).as(body).isEqualTo(HttpResponseStatus.BAD_REQUEST);
        assertThat(result.refusal().message()).as(body).contains(named);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // The last duplicate wins in Go: the runner would load the model the allow list never saw.
            "{\"model\":\"ai/allowed\",\"model\":\"ai/forbidden\"}",
            "{\"model\":\"ai/forbidden\",\"messages\":[],\"model\":\"ai/allowed\"}",
            // Duplicates anywhere, not only at the top.
            "{\"model\":\"ai/allowed\",\"stream_options\":{\"include_usage\":true,\"include_usage\":false}}",
            "{\"model\":\"ai/allowed\",\"messages\":[{\"role\":\"user\",\"role\":\"system\",\"content\":\"x\"}]}"})
    void duplicateKeysAreRefusedAtAnyDepth(String body) {
        assertRefusedNaming(body, "Duplicate field");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // Go matches keys to fields ignoring case: a case variant is the same field to the runner.
            "{\"model\":\"ai/allowed\",\"Model\":\"ai/forbidden\"}",
            "{\"MODEL\":\"ai/forbidden\"}",
            "{\"model\":\"ai/allowed\",\"Stream\":true}",
            // Unicode simple folding: U+017F LONG S is 's', U+212A KELVIN SIGN is 'k'.
            "{\"model\":\"ai/allowed\",\"\u017Ftream\":true}",
            "{\"model\":\"ai/allowed\",\"max_to\u212Aens\":99999999}",
            "{\"model\":\"ai/allowed\",\"Max_Tokens\":99999999}",
            "{\"model\":\"ai/allowed\",\"stream\":true,\"Stream_Options\":{\"include_usage\":false}}",
            "{\"model\":\"ai/allowed\",\"stream\":true,\"stream_options\":{\"Include_Usage\":false}}",
            // Two variants of a field the bridge does not read still split the runner's reading from ours.
            "{\"model\":\"ai/allowed\",\"temperature\":0,\"Temperature\":2}"})
    void caseVariantKeysAreRefusedNamingTheKey(String body) {
        var result = rewrite(InferenceRoute.CHAT_COMPLETIONS, body);
        assertThat(result.refused()).as(body).isTrue();
        assertThat(result.refusal().status()).isEqualTo(HttpResponseStatus.BAD_REQUEST);
        assertThat(result.refusal().message()).as(body).containsAnyOf("differ only in case", "must be spelled");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // llama.cpp ignores a stream that is not a boolean, Jackson reads "true" and 1 as true.
            "{\"model\":\"ai/allowed\",\"stream\":\"true\"}",
            "{\"model\":\"ai/allowed\",\"stream\":1}",
            "{\"model\":\"ai/allowed\",\"stream_options\":\"include_usage\"}",
            // A token limit the runner would drop (and so generate without limit).
            "{\"model\":\"ai/allowed\",\"max_tokens\":\"100\"}",
            "{\"model\":\"ai/allowed\",\"max_tokens\":-1}",
            "{\"model\":\"ai/allowed\",\"max_tokens\":1.5}",
            "{\"model\":\"ai/allowed\",\"max_completion_tokens\":1e30}",
            "{\"model\":[\"ai/allowed\"]}"})
    void fieldsTheBridgeReadsMustHaveTheirJsonType(String body) {
        assertRefusedNaming(body, "must be");
    }

    @ParameterizedTest
    @ValueSource(strings = {"false", "\"true\"", "1", "null", "{}"})
    void usageIsRequestedAsTheJsonBooleanTrueWhateverTheClientSent(String includeUsage) throws IOException {
        var result = rewrite(InferenceRoute.CHAT_COMPLETIONS,
                "{\"model\":\"ai/allowed\",\"stream\":true,\"stream_options\":{\"include_usage\":" + includeUsage
                        + "}}");
        assertThat(result.refused()).isFalse();
        JsonNode sent = MAPPER.readTree(result.body());
        assertThat(sent.at("/stream_options/include_usage").isBoolean()).isTrue();
        assertThat(sent.at("/stream_options/include_usage").booleanValue()).isTrue();
    }

    @Test
    void trailingContentAfterTheObjectIsRefused() {
        assertRefusedNaming("{\"model\":\"ai/allowed\"} {\"model\":\"ai/forbidden\"}", "not valid JSON");
        assertRefusedNaming("{\"model\":\"ai/allowed\"}]", "not valid JSON");
    }

    @Test
    void aBodyTheChecksLeaveAloneGoesOnByteForByte() {
        // what re-serialising would change (white space, the spelling of numbers and escapes) stays the client's
        String body = "{\"model\":\"ai/allowed\",  \"temperature\": 0.10000000000000000000001,"
                + "\"seed\": 123456789012345678901234567890, \"messages\":[{\"role\":\"user\",\"content\":\"\\u00e9\"}]}";
        var result = rewrite(InferenceRoute.CHAT_COMPLETIONS, body);
        assertThat(result.asSent()).isTrue();
        assertThat(new String(result.body(), StandardCharsets.UTF_8)).isEqualTo(body);
    }

    @Test
    void aBodyTheChecksChangeIsReSerialisedFromTheCheckedTree() throws IOException {
        String body = "{\"model\":\"ai/allowed\",  \"stream\": true, \"seed\": 123456789012345678901234567890}";
        var result = rewrite(InferenceRoute.CHAT_COMPLETIONS, body);
        assertThat(result.asSent()).isFalse();
        String sent = new String(result.body(), StandardCharsets.UTF_8);
        assertThat(sent).doesNotContain("  ").contains("123456789012345678901234567890");
        assertThat(MAPPER.readTree(sent).at("/stream_options/include_usage").booleanValue()).isTrue();
        assertThat(rewrite(InferenceRoute.CHAT_COMPLETIONS, "{\"messages\":[]}").asSent())
                .as("the default model filled in").isFalse();
        assertThat(rewrite(InferenceRoute.CHAT_COMPLETIONS,
                "{\"model\":\"ai/allowed\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}").asSent())
                .as("usage already asked for").isTrue();
    }

    @Test
    void keysInsideFreeFormObjectsAreNotMistakenForFields() throws IOException {
        // A tool's JSON schema may well have a property called "Model" or "stream": only the objects the runner
        // decodes into its own fields are held to exact spelling.
        String body = "{\"model\":\"ai/allowed\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"Model\":{\"type\":\"string\"},"
                + "\"stream\":{\"type\":\"boolean\"}}}}}]}";
        var result = rewrite(InferenceRoute.CHAT_COMPLETIONS, body);
        assertThat(result.refused()).isFalse();
        assertThat(MAPPER.readTree(result.body())).isEqualTo(MAPPER.readTree(body));
    }

    @Test
    void theRequestsOwnTokenLimitIsReported() {
        assertThat(rewrite(InferenceRoute.CHAT_COMPLETIONS, "{\"max_tokens\":40}").maxTokens()).isEqualTo(40);
        assertThat(rewrite(InferenceRoute.RESPONSES, "{\"max_output_tokens\":7}").maxTokens()).isEqualTo(7);
        assertThat(rewrite(InferenceRoute.CHAT_COMPLETIONS, "{}").maxTokens()).isEqualTo(-1);
    }
}
