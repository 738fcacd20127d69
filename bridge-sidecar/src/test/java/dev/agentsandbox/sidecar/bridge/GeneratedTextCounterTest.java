package dev.agentsandbox.sidecar.bridge;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The counter reads each event as Jackson's streaming parser does, without a parser per event. */
class GeneratedTextCounterTest {

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final List<String> NAMES = List.of("content", "text", "reasoning_content", "reasoning", "refusal",
            "arguments", "delta", "partial_json", "thinking", "id", "role", "choices", "index", "model", "Content",
            "texts", "t\u00e9xt", "", "usage", "usagE", "message", "response");

    /**
     * What the scanner counted with Jackson before (string values after one of the fields' names), and whether
     * Jackson read a member named usage.
     */
    private static GeneratedTextCounter.Counted withJackson(byte[] json) {
        long chars = 0;
        boolean namesUsage = false;
        try (JsonParser parser = FACTORY.createParser(json)) {
            String field = null;
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (token == JsonToken.FIELD_NAME) {
                    field = parser.currentName();
                    namesUsage |= field.equals("usage");
                } else if (token == JsonToken.VALUE_STRING && field != null
                        && GeneratedTextCounter.FIELDS.contains(field)) {
                    chars += parser.getTextLength();
                }
            }
        } catch (IOException e) {
            // malformed: what was counted before stays
        }
        return new GeneratedTextCounter.Counted(chars, namesUsage);
    }

    private static GeneratedTextCounter.Counted counted(String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return GeneratedTextCounter.count(bytes, 0, bytes.length);
    }

    @Test
    void countsWhatJacksonReadsInRandomDocuments() throws IOException {
        SplittableRandom random = new SplittableRandom(18);
        for (int i = 0; i < 5_000; i++) {
            StringWriter out = new StringWriter();
            try (JsonGenerator generator = FACTORY.createGenerator(out)) {
                if (random.nextInt(4) == 0) {
                    generator.useDefaultPrettyPrinter();
                }
                randomValue(generator, random, 0, true);
            }
            String json = out.toString();
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            assertThat(counted(json)).as(json).isEqualTo(withJackson(bytes));
        }
    }

    @Test
    void readsEscapesInNamesAndValuesAndCharactersBeyondTheBasicPlane() {
        List<String> documents = List.of(
                "{\"con\\u0074ent\":\"abc\"}",
                "{\"text\":\"a\\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00\"}",
                "{\"text\":\"\u00e9\u20ac\ud83d\ude00\"}",
                "{\"delta\":{\"content\":\"x\"},\"choices\":[{\"text\":[\"a\",\"bc\"]}],\"id\":\"zzz\"}",
                "{\"text\":[{\"z\":1},\"not counted\"]}",
                "  {\"text\" : \"a\" }  {\"text\":\"bb\"} ",
                "{\"text\":\"a\"} \"b\"",
                "{\"n\":-0.5e+10,\"t\":true,\"f\":false,\"z\":null,\"text\":\"ok\"}",
                "{\"message\":{\"u\\u0073age\":{\"input_tokens\":3}}}", "{\"text\":\"\\\"usage\\\"\"}");
        for (String json : documents) {
            assertThat(counted(json)).as(json).isEqualTo(withJackson(json.getBytes(StandardCharsets.UTF_8)));
        }
        assertThat(counted("{\"text\":\"a\\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00\"}").chars()).isEqualTo(11);
    }

    @Test
    void stopsWhereJacksonFailsKeepingWhatCameBefore() {
        List<String> malformed = List.of("[DONE]", "{\"text\":\"ab\"", "{\"text\":\"ab\"}x", "{\"text\":\"a\" \"b\"}",
                "{\"text\":\"a\",\"text\":\"bad \\q escape\"}", "{\"text\":\"a\"} {\"text\":01}",
                "{\"text\":\"tab\tinside\"}", "{\"text\":\"ok\",\"x\":tru}", "{\"text\":\"ok\",\"x\":[1,]}",
                "{text:\"a\"}", "\"just a string\"", "{\"text\":\"unterminated", "[".repeat(1_200) + "\"x\"",
                "{\"a\":tru,\"usage\":{}}", "{\"usage\":{\"x\":1}} garbage");
        for (String json : malformed) {
            assertThat(counted(json)).as(json).isEqualTo(withJackson(json.getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void anEventThatIsAStringOrAnArrayLeavesTheStreamIntact() {
        SseUsageScanner scanner = new SseUsageScanner();
        String stream = "data: \"hello\"\n\ndata: [\"a\"]\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"abc\"}}]}\n\n"
                + "data: [DONE]\n\n";
        scanner.feed(Unpooled.copiedBuffer(stream, StandardCharsets.UTF_8));
        assertThat(scanner.generatedChars()).isEqualTo(3);
        assertThat(scanner.usageReported()).isFalse();
    }

    private static void randomValue(JsonGenerator generator, SplittableRandom random, int depth, boolean root)
            throws IOException {
        int kind = root ? random.nextInt(2) : random.nextInt(depth > 4 ? 5 : 7);
        switch (kind) {
            case 0, 5 -> {
                generator.writeStartObject();
                for (int n = random.nextInt(5); n > 0; n--) {
                    generator.writeFieldName(NAMES.get(random.nextInt(NAMES.size())));
                    randomValue(generator, random, depth + 1, false);
                }
                generator.writeEndObject();
            }
            case 1, 6 -> {
                generator.writeStartArray();
                for (int n = random.nextInt(4); n > 0; n--) {
                    randomValue(generator, random, depth + 1, false);
                }
                generator.writeEndArray();
            }
            case 2 -> generator.writeString(randomText(random));
            case 3 -> {
                switch (random.nextInt(4)) {
                    case 0 -> generator.writeNumber(random.nextLong());
                    case 1 -> generator.writeNumber(random.nextDouble() * 1e6 - 5e5);
                    case 2 -> generator.writeNumber(random.nextInt(10));
                    default -> generator.writeNumber(1e-9 * random.nextInt());
                }
            }
            default -> {
                switch (random.nextInt(3)) {
                    case 0 -> generator.writeBoolean(random.nextBoolean());
                    case 1 -> generator.writeNull();
                    default -> generator.writeString("");
                }
            }
        }
    }

    private static String randomText(SplittableRandom random) {
        String alphabet = "abc XYZ019\"\\/\n\t\r\b\f\u0001\u001f\u007f\u0080\u00e9\u07ff\u0800\u20ac\uffee";
        StringBuilder text = new StringBuilder();
        for (int n = random.nextInt(12); n > 0; n--) {
            if (random.nextInt(10) == 0) {
                text.appendCodePoint(0x1F600 + random.nextInt(80));
            } else {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
        }
        return text.toString();
    }
}
