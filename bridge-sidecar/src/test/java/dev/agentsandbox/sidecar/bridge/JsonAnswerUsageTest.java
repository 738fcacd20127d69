package dev.agentsandbox.sidecar.bridge;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one pass over a whole JSON answer ({@link JsonAnswerUsage}) reads the usage Jackson's blocking parser reads
 * (what read a whole answer before it, {@link JsonUsageScanner#parseWhole}), on answers as runners write them and on
 * random and broken ones, and where it is not sure it leaves the answer to the parser.
 */
class JsonAnswerUsageTest {

    private static final List<String> ANSWERS = List.of(
            "{\"id\":\"c\",\"choices\":[{\"message\":{\"content\":\"hi\"}}],\"usage\":{\"prompt_tokens\":12,"
                    + "\"completion_tokens\":9,\"total_tokens\":21}}",
            "{\"usage\":{\"input_tokens\":5,\"cache_read_input_tokens\":3,\"cache_creation_input_tokens\":2,"
                    + "\"output_tokens\":7}}",
            "{\"usage\":{\"prompt_tokens\":1,\"details\":{\"x\":1},\"completion_tokens\":2}}",
            "{\"usage\":{\"prompt_tokens\":1},\"usage\":{\"completion_tokens\":2}}",
            "{\"usage\":{\"prompt_tokens\":-0,\"completion_tokens\":-4}}",
            "{\"usage\":{\"prompt_tokens\":9223372036854775807}}",
            "{\"usage\":{\"prompt_tokens\":9223372036854775808}}",
            "{\"usage\":{\"prompt_tokens\":-9223372036854775808}}",
            "{\"usage\":{\"prompt_tokens\":1.0,\"completion_tokens\":1e1}}",
            "{\"usage\":{\"prompt_tokens\":01}}",
            "{\"usage\":{\"prompt_tokens\":1" + "0".repeat(1000) + "}}",
            "{\"usage\":{\"prompt_tokens\":3},\"x\":1" + "0".repeat(1000) + "}",
            "{\"x\":1" + "0".repeat(1000) + ",\"usage\":{\"prompt_tokens\":3}}",
            "{\"us\\u0061ge\":{\"prompt_tokens\":3}}",
            "{\"usage\":{\"prompt_\\u0074okens\":3}}",
            "{\"usagé\":{\"prompt_tokens\":3}}",
            "{\"usage\":[{\"prompt_tokens\":3}]}",
            "{\"usage\":{\"prompt_tokens\":\"3\"}}",
            "{\"usage\":null,\"x\":{\"usage\":{\"prompt_tokens\":3}}}",
            "{\"usage\":{\"prompt_tokens\":3}} trailing}",
            "{\"usage\":{\"prompt_tokens\":3,",
            "{\"usage\":{\"prompt_tokens\":3}",
            " \n{\"usage\":{\"prompt_tokens\":3}}",
            "\uFEFF{\"usage\":{\"prompt_tokens\":3}}",
            "1 {\"usage\":{\"prompt_tokens\":3}}",
            "[{\"usage\":{\"prompt_tokens\":3}}]",
            "{\"x\":\"\\q\",\"usage\":{\"prompt_tokens\":3}}",
            "{\"x\":\"a\u0001b\",\"usage\":{\"prompt_tokens\":3}}",
            "{\"x\":" + "[".repeat(999) + "]".repeat(999) + ",\"usage\":{\"prompt_tokens\":3}}",
            "{\"x\":" + "[".repeat(1000) + "]".repeat(1000) + ",\"usage\":{\"prompt_tokens\":3}}",
            "{\"" + "k".repeat(50_001) + "\":1,\"usage\":{\"prompt_tokens\":3}}",
            "<html>502</html>", "{}", "");

    @Test
    void readsWhatTheParserReadsOnAnswers() {
        int read = 0;
        for (String answer : ANSWERS) {
            read += sameUsage(answer.getBytes(StandardCharsets.UTF_8)) ? 1 : 0;
        }
        assertThat(read).as("answers read in one pass").isGreaterThan(10);
    }

    @Test
    void readsWhatTheParserReadsOnBytesThatAreNotUtf8() {
        byte[][] middles = {{(byte) 0xC1, (byte) 0xAD}, {(byte) 0xFF}, {(byte) 0x80}, {(byte) 0xED, (byte) 0xA0,
                (byte) 0x80}, {(byte) 0xF8, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xC3}};
        for (byte[] middle : middles) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.writeBytes("{\"x\":\"".getBytes(StandardCharsets.UTF_8));
            body.writeBytes(middle);
            body.writeBytes("\",\"usage\":{\"prompt_tokens\":3}}".getBytes(StandardCharsets.UTF_8));
            sameUsage(body.toByteArray());
        }
    }

    /** Random answers, whole and then cut, with a byte changed, or with bytes thrown in. */
    @Test
    void readsWhatTheParserReadsOnRandomAnswers() {
        Random random = new Random(1804);
        String[] noise = {",", "}", "{", "]", "[", ":", "\"", "\\", " ", "\u0000", "\u00e9", "0", "-", "e", ".",
                "null", "\\u0061"};
        int read = 0;
        for (int i = 0; i < 20_000; i++) {
            StringBuilder json = new StringBuilder();
            randomValue(random, json, 0, true, false);
            byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
            if (random.nextInt(3) == 0) {
                ByteArrayOutputStream mutated = new ByteArrayOutputStream();
                int at = random.nextInt(bytes.length + 1);
                mutated.write(bytes, 0, at);
                switch (random.nextInt(3)) {
                    case 0 -> mutated.writeBytes(noise[random.nextInt(noise.length)]
                            .getBytes(StandardCharsets.UTF_8));
                    case 1 -> mutated.write(random.nextInt(256));
                    default -> at = bytes.length; // cut
                }
                int from = Math.min(at + random.nextInt(2), bytes.length);
                mutated.write(bytes, from, bytes.length - from);
                bytes = mutated.toByteArray();
            }
            read += sameUsage(bytes) ? 1 : 0;
        }
        assertThat(read).as("random answers read in one pass").isGreaterThan(5_000);
    }

    /** Whether the one pass read {@code body}; fails unless what is counted equals the parser's count. */
    private static boolean sameUsage(byte[] body) {
        String what = new String(body, StandardCharsets.UTF_8);
        what = what.substring(0, Math.min(what.length(), 300));
        JsonUsageScanner parsed = new JsonUsageScanner();
        parsed.parseWhole(body, 0, body.length);
        JsonUsageScanner whole = new JsonUsageScanner();
        whole.feedWhole(Unpooled.wrappedBuffer(body));
        assertThat(whole.usage()).as(what).isEqualTo(parsed.usage());
        assertThat(whole.usageReported()).as(what).isEqualTo(parsed.usageReported());
        UsageTally onePass = JsonAnswerUsage.read(body, 0, body.length);
        if (onePass == null) {
            return false;
        }
        assertThat(onePass.usage()).as(what).isEqualTo(parsed.usage());
        assertThat(onePass.reported()).as(what).isEqualTo(parsed.usageReported());
        return true;
    }

    private static final String[] NAMES = {"usage", "usage", "usage", "prompt_tokens", "completion_tokens",
            "input_tokens", "output_tokens", "cache_read_input_tokens", "total_tokens", "details", "choices", "id",
            "Usage", "us\\u0061ge", "prompt_\\u0074okens", "usagé", "x"};
    private static final String[] NUMBERS = {"0", "-0", "3", "-4", "12", "1.5", "1e2", "-2E-3",
            "9223372036854775807", "9223372036854775808", "-9223372036854775808", "123456789012345678901234"};

    private static void randomValue(Random random, StringBuilder json, int depth, boolean root, boolean usage) {
        int kind = root ? 0 : random.nextInt(usage ? 9 : 7);
        switch (kind) {
            case 0 -> {
                json.append('{');
                for (int n = random.nextInt(root ? 5 : 4), first = 1; n > 0; n--, first = 0) {
                    String name = NAMES[random.nextInt(NAMES.length)];
                    json.append(first == 1 ? "" : ",").append('"').append(name).append("\":");
                    boolean intoUsage = name.equals("usage") && random.nextInt(4) != 0;
                    if (depth < 4) {
                        randomValue(random, json, depth + 1, intoUsage && depth == 0, false);
                    } else {
                        json.append(NUMBERS[random.nextInt(NUMBERS.length)]);
                    }
                    if (intoUsage && depth == 0) {
                        // the value was an object (root=true makes one): fill it in as a usage object
                        json.setLength(json.lastIndexOf("{"));
                        randomUsage(random, json, depth + 1);
                    }
                }
                json.append('}');
            }
            case 1 -> {
                json.append('[');
                for (int n = random.nextInt(3); n > 0 && depth < 4; n--) {
                    randomValue(random, json, depth + 1, false, false);
                    json.append(n > 1 ? "," : "");
                }
                json.append(']');
            }
            case 2 -> json.append("\"t\\\"e\\u00e9xt é😀\"");
            case 3 -> json.append(random.nextBoolean() ? "true" : "null");
            default -> json.append(NUMBERS[random.nextInt(NUMBERS.length)]);
        }
    }

    private static void randomUsage(Random random, StringBuilder json, int depth) {
        json.append('{');
        for (int n = random.nextInt(5), first = 1; n > 0; n--, first = 0) {
            json.append(first == 1 ? "" : ",").append('"').append(NAMES[random.nextInt(NAMES.length)]).append("\":");
            if (random.nextInt(6) == 0) {
                randomValue(random, json, depth + 1, false, true);
            } else {
                json.append(NUMBERS[random.nextInt(NUMBERS.length)]);
            }
        }
        json.append('}');
    }
}
