package dev.agentsandbox.sidecar.bridge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class UsageScannerTest {

    private static final String OPENAI_CHAT = """
            {"id":"c1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant",\
            "content":"usage: none"}}],"usage":{"prompt_tokens":12,"completion_tokens":34,"total_tokens":46,\
            "prompt_tokens_details":{"cached_tokens":5}}}""";

    private static final String ANTHROPIC_MESSAGE = """
            {"id":"m1","type":"message","content":[{"type":"text","text":"hi"}],\
            "usage":{"input_tokens":20,"cache_read_input_tokens":3,"cache_creation_input_tokens":2,\
            "output_tokens":7,"cache_creation":{"ephemeral_5m_input_tokens":100}}}""";

    private static final String OPENAI_STREAM = """
            data: {"choices":[{"delta":{"content":"He"}}],"usage":null}

            data: {"choices":[{"delta":{"content":"llo"}}],"usage":null}

            data: {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}

            data: [DONE]

            """;

    private static final String ANTHROPIC_STREAM = """
            event: message_start
            data: {"type":"message_start","message":{"id":"m1","usage":{"input_tokens":25,"output_tokens":1}}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"\\"usage\\""}}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":15}}

            event: message_stop
            data: {"type":"message_stop"}

            """;

    private static final String RESPONSES_STREAM = """
            event: response.created
            data: {"type":"response.created","response":{"id":"r1","usage":null}}

            event: response.completed
            data: {"type":"response.completed","response":{"id":"r1","usage":{"input_tokens":31,"output_tokens":8,\
            "output_tokens_details":{"reasoning_tokens":4},"total_tokens":39}}}

            """;

    private static TokenUsage scan(UsageScanner scanner, String body, int chunkSize) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        for (int from = 0; from < bytes.length; from += chunkSize) {
            ByteBuf chunk = Unpooled.wrappedBuffer(bytes, from, Math.min(chunkSize, bytes.length - from));
            int readerIndex = chunk.readerIndex();
            scanner.feed(chunk);
            assertThat(chunk.readerIndex()).as("the forwarded chunk is left untouched").isEqualTo(readerIndex);
        }
        return scanner.usage();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7, 64, 100_000})
    void openAiJsonUsageWhateverTheChunking(int chunkSize) {
        assertThat(scan(new JsonUsageScanner(), OPENAI_CHAT, chunkSize)).isEqualTo(new TokenUsage(12, 34));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 100_000})
    void anthropicJsonUsageCountsCachedPromptTokens(int chunkSize) {
        assertThat(scan(new JsonUsageScanner(), ANTHROPIC_MESSAGE, chunkSize)).isEqualTo(new TokenUsage(25, 7));
    }

    /** A body read whole (it came in one piece) yields what the same body read in chunks does. */
    @ParameterizedTest
    @ValueSource(strings = {OPENAI_CHAT, ANTHROPIC_MESSAGE,
            "{\"choices\":[{\"usage\":{\"prompt_tokens\":999}}],\"usage\":{\"prompt_tokens\":4}}",
            "{\"usage\":{\"prompt_tokens\":3}} trailing}", "{\"usage\":{\"prompt_tokens\":3,", "<html>502</html>",
            "{\"x\":\"\\\"usage\\\":{\\\"prompt_tokens\\\":5}\",\"usage\":{\"completion_tokens\":2}}",
            "{}", "\"usage\""})
    void aBodyReadWholeCountsAsTheSameBodyInChunks(String body) {
        JsonUsageScanner whole = new JsonUsageScanner();
        whole.feedWhole(Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.UTF_8)));
        JsonUsageScanner chunked = new JsonUsageScanner();
        scan(chunked, body, 3);

        assertThat(whole.usage()).as(body).isEqualTo(chunked.usage());
        assertThat(whole.usageReported()).as(body).isEqualTo(chunked.usageReported());
    }

    @Test
    void aBodyInUtf16IsNotReadAsItsOwnEncoding() {
        // Jackson's blocking parser would detect UTF-16; the non-blocking one, like the runner's answers, is UTF-8
        JsonUsageScanner scanner = new JsonUsageScanner();
        scanner.feedWhole(Unpooled.wrappedBuffer(
                "{\"usage\":{\"prompt_tokens\":3}}".getBytes(StandardCharsets.UTF_16LE)));
        assertThat(scanner.usage()).isEqualTo(TokenUsage.NONE);
    }

    @Test
    void embeddingsUsageAfterALargeVector() {
        StringBuilder body = new StringBuilder("{\"object\":\"list\",\"data\":[{\"embedding\":[");
        for (int i = 0; i < 50_000; i++) {
            body.append(i == 0 ? "" : ",").append("0.").append(i);
        }
        body.append("]}],\"usage\":{\"prompt_tokens\":6,\"total_tokens\":6}}");

        assertThat(scan(new JsonUsageScanner(), body.toString(), 8192)).isEqualTo(new TokenUsage(6, 0));
    }

    @Test
    void nestedUsageIsNotTakenForTheResponses() {
        String body = "{\"choices\":[{\"usage\":{\"prompt_tokens\":999}}],\"meta\":{\"usage\":{\"completion_tokens\":1}}}";

        assertThat(scan(new JsonUsageScanner(), body, 4)).isEqualTo(TokenUsage.NONE);
    }

    @Test
    void brokenJsonYieldsNoUsageAndNoError() {
        assertThat(scan(new JsonUsageScanner(), "<html>502 Bad Gateway</html>", 5)).isEqualTo(TokenUsage.NONE);
        assertThat(scan(new JsonUsageScanner(), "{\"usage\":{\"prompt_tokens\":3}} trailing}", 5))
                .isEqualTo(new TokenUsage(3, 0));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 13, 4096})
    void openAiStreamUsageFromTheLastChunk(int chunkSize) {
        assertThat(scan(new SseUsageScanner(), OPENAI_STREAM, chunkSize)).isEqualTo(new TokenUsage(9, 2));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 9, 4096})
    void anthropicStreamUsageFromMessageStartAndTheLastDelta(int chunkSize) {
        assertThat(scan(new SseUsageScanner(), ANTHROPIC_STREAM, chunkSize)).isEqualTo(new TokenUsage(25, 15));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4096})
    void responsesStreamUsageFromResponseCompleted(int chunkSize) {
        assertThat(scan(new SseUsageScanner(), RESPONSES_STREAM, chunkSize)).isEqualTo(new TokenUsage(31, 8));
    }

    @Test
    void crlfLineEndsAreRead() {
        String stream = OPENAI_STREAM.replace("\n", "\r\n");

        assertThat(scan(new SseUsageScanner(), stream, 3)).isEqualTo(new TokenUsage(9, 2));
    }

    @Test
    void overlongLineIsSkippedAndLaterLinesStillCount() {
        String huge = "data: {\"usage\":{\"prompt_tokens\":1000},\"pad\":\""
                + "x".repeat(SseUsageScanner.MAX_LINE_BYTES) + "\"}\n\n";

        assertThat(scan(new SseUsageScanner(), huge + OPENAI_STREAM, 65536)).isEqualTo(new TokenUsage(9, 2));
    }

    @Test
    void streamWithoutUsageReportsNone() {
        assertThat(scan(new SseUsageScanner(), "data: {\"choices\":[]}\n\ndata: [DONE]\n\n", 4))
                .isEqualTo(TokenUsage.NONE);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 100_000})
    void aStreamWithoutUsageCountsTheGeneratedTextOfEachApi(int chunkSize) {
        String stream = """
                data: {"choices":[{"delta":{"role":"assistant","content":""}}]}

                data: {"choices":[{"delta":{"content":"Héllo"}}],"model":"ai/qwen2.5","id":"chatcmpl-long-id"}

                data: {"choices":[{"delta":{"reasoning_content":"hmm","tool_calls":[{"function":{"arguments":"{}"}}]}}]}

                data: {"choices":[{"text":"ab\\n"}]}

                event: content_block_delta
                data: {"type":"content_block_delta","delta":{"type":"text_delta","text":"xyz"}}

                data: {"type":"content_block_delta","delta":{"type":"input_json_delta","partial_json":"[1]"}}

                data: {"type":"response.output_text.delta","delta":"1234"}

                data: [DONE]

                """;
        SseUsageScanner scanner = new SseUsageScanner();

        assertThat(scan(scanner, stream, chunkSize)).isEqualTo(TokenUsage.NONE);
        assertThat(scanner.usageReported()).isFalse();
        // Héllo 5, hmm 3, {} 2, ab + newline 3, xyz 3, [1] 3, 1234 4: text only, not ids, models, roles or types
        assertThat(scanner.generatedChars()).isEqualTo(23);
    }

    @Test
    void aStreamThatReportsZeroTokensHasReportedItsUsage() {
        SseUsageScanner scanner = new SseUsageScanner();
        scan(scanner, "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":0,\"completion_tokens\":0}}\n\n", 7);

        assertThat(scanner.usageReported()).isTrue();
    }

    @Test
    void unreportedUsageIsEstimatedFromTheRequestSizeAndTheGeneratedText() {
        assertThat(TokenBudget.estimateUnreported(401, 0)).isEqualTo(new TokenUsage(100, 0));
        assertThat(TokenBudget.estimateUnreported(400, 1)).isEqualTo(new TokenUsage(100, 1));
        assertThat(TokenBudget.estimateUnreported(400, 8)).isEqualTo(new TokenUsage(100, 2));
        assertThat(TokenBudget.estimateUnreported(400, 9)).isEqualTo(new TokenUsage(100, 3));
    }

    @Test
    void scannerIsChosenByContentType() {
        assertThat(UsageScanner.forContentType("text/event-stream; charset=utf-8")).isInstanceOf(SseUsageScanner.class);
        assertThat(UsageScanner.forContentType("Text/Event-Stream")).isInstanceOf(SseUsageScanner.class);
        assertThat(UsageScanner.forContentType("application/json")).isInstanceOf(JsonUsageScanner.class);
        assertThat(UsageScanner.forContentType(null)).isInstanceOf(JsonUsageScanner.class);
    }
}
