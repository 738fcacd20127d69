package dev.agentsandbox.sidecar.bridge;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The check of a request on its tokens ({@link AsSentRequest}) decides as the check on its tree does: on every body
 * the two give the same result (refusal and its message, the body sent, whether as sent, the model, the stream, the
 * token limit), and the tokens say "as sent" only where the tree does.
 */
class AsSentRequestTest {

    private static final ModelPolicy POLICY = new ModelPolicy("ai/default", List.of("ai/default", "ai/allowed"));
    private static final InferenceRoute[] ROUTES = {InferenceRoute.CHAT_COMPLETIONS, InferenceRoute.COMPLETIONS,
            InferenceRoute.EMBEDDINGS, InferenceRoute.RESPONSES, InferenceRoute.MESSAGES};

    /** Bodies where the checks are easiest to get wrong: keys, types, numbers, bytes. */
    private static final List<String> TRICKY = List.of(
            "{\"model\":\"ai/allowed\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            "{\"model\":\"ai/allowed\"}",
            "{\"model\":\"ai/default\",\"temperature\":0.7,\"top_p\":1.0e-3,\"n\":1}",
            "{\"model\":\"ai/allowed\",\"x\":1e999999999}",
            "{\"model\":\"ai/allowed\",\"x\":100E2147483647}",
            "{\"model\":\"ai/allowed\",\"x\":1e2147483648}",
            "{\"model\":\"ai/allowed\",\"x\":[{\"y\":-1E-2147483649}]}",
            "{\"model\":\"ai/allowed\",\"x\":-0.0}",
            "{\"model\":\"ai/allowed\",\"x\":[1,2.5,-3e-7,123456789012345678901234567890]}",
            "{\"model\":\"ai/allowed\",\"x\":0123}",
            "{\"model\":\"ai/allowed\",\"x\":NaN}",
            "{\"model\":\"ai/allowed\",\"x\":.5}",
            "{\"model\":\"ai/allowed\",\"x\":1.}",
            "{\"model\":\"ai/allowed\"} ",
            "{\"model\":\"ai/allowed\"}{}",
            "{\"model\":\"ai/allowed\"}x",
            "{\"model\":\"ai/allowed\",}",
            "{\"model\":\"ai/allowed\" /* c */}",
            "{'model':'ai/allowed'}",
            "{\"model\":\"ai/allowed\",\"model\":\"ai/allowed\"}",
            "{\"model\":\"ai/allowed\",\"x\":{\"a\":1,\"a\":2}}",
            "{\"model\":\"ai/allowed\",\"Model\":\"ai/allowed\"}",
            "{\"MODEL\":\"ai/allowed\"}",
            "{\"model\":\"ai/allowed\",\"ſtream\":true}",
            "{\"model\":\"ai/allowed\",\"stream\":true}",
            "{\"model\":\"ai/allowed\",\"stream\":false}",
            "{\"model\":\"ai/allowed\",\"stream\":null}",
            "{\"model\":\"ai/allowed\",\"stream\":\"true\"}",
            "{\"model\":\"ai/allowed\",\"stream\":1}",
            "{\"model\":\"ai/allowed\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}",
            "{\"model\":\"ai/allowed\",\"stream\":true,\"stream_options\":{\"include_usage\":false}}",
            "{\"model\":\"ai/allowed\",\"stream\":true,\"stream_options\":{\"include_usage\":1}}",
            "{\"model\":\"ai/allowed\",\"stream\":true,\"stream_options\":{\"Include_Usage\":true}}",
            "{\"model\":\"ai/allowed\",\"stream\":true,\"stream_options\":{\"include_usage\":true,\"x\":[{}]}}",
            "{\"model\":\"ai/allowed\",\"stream\":true,\"stream_options\":{\"a\":1,\"A\":1,\"include_usage\":true}}",
            "{\"model\":\"ai/allowed\",\"stream\":true,\"stream_options\":null}",
            "{\"model\":\"ai/allowed\",\"stream\":true,\"stream_options\":[]}",
            "{\"model\":\"ai/allowed\",\"stream_options\":{\"include_usage\":true,\"include_usage\":true}}",
            "{\"stream_options\":{\"include_usage\":true},\"stream\":true,\"model\":\"ai/allowed\"}",
            "{\"model\":\"ai/allowed\",\"max_tokens\":5,\"max_completion_tokens\":9,\"max_output_tokens\":0}",
            "{\"model\":\"ai/allowed\",\"max_tokens\":-1}",
            "{\"model\":\"ai/allowed\",\"max_tokens\":-0}",
            "{\"model\":\"ai/allowed\",\"max_tokens\":5.0}",
            "{\"model\":\"ai/allowed\",\"max_tokens\":1e2}",
            "{\"model\":\"ai/allowed\",\"max_tokens\":9223372036854775807}",
            "{\"model\":\"ai/allowed\",\"max_tokens\":9223372036854775808}",
            "{\"model\":\"ai/allowed\",\"max_tokens\":null}",
            "{\"model\":\"ai/allowed\",\"max_tokens\":\"5\"}",
            "{\"model\":\"ai/allowed\",\"MAX_TOKENS\":5}",
            "{\"model\":\"ai/other\"}",
            "{\"model\":\"\"}",
            "{\"model\":\" \"}",
            "{\"model\":null}",
            "{\"model\":5}",
            "{\"model\":[\"ai/allowed\"]}",
            "{\"model\":\"ai/allowed \"}",
            "{\"model\":\"ai\\/allowed\"}",
            "{\"model\":\"ai/\\u0061llowed\"}",
            "{\"model\":\"ai/allowed\",\"x\":\"\\ud83d\\ude00\"}",
            "{\"model\":\"ai/allowed\",\"x\":\"\\ud83d\"}",
            "{\"model\":\"ai/allowed\",\"x\":\"\\q\"}",
            "{\"model\":\"ai/allowed\",\"x\":\"tab\there\"}",
            "{\"model\":\"ai/allowed\",\"x\":\"é😀\"}",
            "{\"model\":\"ai/allowed\",\"x\":[[[[[[[[[[]]]]]]]]]]}",
            "{\"model\":\"ai/allowed\",\"x\":[" + "[".repeat(1200) + "]".repeat(1200) + "]}",
            "{\"model\":\"ai/allowed\",\"x\":[" + "1,".repeat((int) InferenceRequestRewriter.MAX_JSON_TOKENS) + "1]}",
            "{\"model\":\"ai/allowed\",\"x\":1" + "0".repeat(1200) + "}",
            "{\"model\":\"ai/allowed\",\"x\":1." + "0".repeat(1200) + "}",
            "{\"model\":\"ai/allowed\",\"" + "k".repeat(60_000) + "\":1}",
            "[\"model\"]",
            "\"model\"",
            "null",
            "",
            " {\"model\":\"ai/allowed\"}",
            "\uFEFF{\"model\":\"ai/allowed\"}",
            "{\"model\":\"ai/allowed\",\"x\":true,\"y\":false,\"z\":null,\"w\":{}}");

    @Test
    void theTokensAndTheTreeDecideAlikeOnTrickyBodies() {
        int asSent = 0;
        for (String body : TRICKY) {
            for (InferenceRoute route : ROUTES) {
                asSent += sameDecision(route, body.getBytes(StandardCharsets.UTF_8)) ? 1 : 0;
            }
        }
        assertThat(asSent).as("bodies the tokens let go on as sent").isGreaterThan(50);
    }

    @Test
    void theTokensAndTheTreeDecideAlikeOnBytesThatAreNotUtf8() {
        for (String hex : List.of("7B226D6F64656C223A2261692F616C6C6F776564222C2278223A22C1AD227D",
                "7B226D6F64656C223A2261692F616C6C6F776564222C2278223A22EDA080227D",
                "7B22C1AD6F64656C223A2261692F616C6C6F776564227D",
                "7B226D6F64656C223A2261692F616C6C6F776564222C2278223A22FF227D",
                "7B226D6F64656C223A2261692F616C6C6F776564222C2278223A2200227D")) {
            for (InferenceRoute route : ROUTES) {
                sameDecision(route, HexFormat.of().parseHex(hex));
            }
        }
    }

    /**
     * Random documents of the checked keys (spelled right and not), nested values, numbers of every form, and bytes
     * cut, doubled or thrown in: the two checks agree on each.
     */
    @Test
    void theTokensAndTheTreeDecideAlikeOnRandomBodies() {
        Random random = new Random(184);
        int asSent = 0;
        int refused = 0;
        for (int i = 0; i < 30_000; i++) {
            byte[] body = randomBody(random);
            InferenceRoute route = ROUTES[random.nextInt(ROUTES.length)];
            asSent += sameDecision(route, body) ? 1 : 0;
            refused += InferenceRequestRewriter.rewrite(route, body, POLICY).refused() ? 1 : 0;
        }
        assertThat(asSent).as("random bodies the tokens let go on as sent").isGreaterThan(500);
        assertThat(refused).as("random bodies refused").isGreaterThan(2_000);
    }

    /** Whether {@code body} goes on as sent; fails unless the tokens and the tree decide it alike. */
    private static boolean sameDecision(InferenceRoute route, byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        String what = route + " " + text.substring(0, Math.min(text.length(), 300));
        Object tree;
        try {
            tree = describe(InferenceRequestRewriter.checkTree(route, body, POLICY));
        } catch (RuntimeException e) {
            tree = e.getClass();
        }
        Object both;
        try {
            both = describe(InferenceRequestRewriter.rewrite(route, body, POLICY));
        } catch (RuntimeException e) {
            both = e.getClass();
        }
        assertThat(both).as(what).isEqualTo(tree);
        InferenceRequestRewriter.Result tokens = AsSentRequest.check(route, body, POLICY);
        if (tokens != null) {
            assertThat(describe(tokens)).as(what).isEqualTo(tree);
            assertThat(tokens.asSent()).as(what).isTrue();
        }
        return tokens != null;
    }

    private static List<Object> describe(InferenceRequestRewriter.Result result) {
        return Arrays.asList(result.refusal(), result.body() == null ? null : HexFormat.of().formatHex(result.body()),
                result.asSent(), result.model(), result.streaming(), result.maxTokens());
    }

    private static final String[] KEYS = {"model", "model", "model", "Model", "stream", "stream", "ſtream", "STREAM",
            "stream_options", "stream_options", "Stream_Options", "max_tokens", "max_completion_tokens",
            "max_output_tokens", "MAX_tokens", "messages", "input", "temperature", "x", "X", "k", "K", "\\u006dodel",
            "include_usage", "INCLUDE_USAGE"};
    private static final String[] SCALARS = {"\"ai/allowed\"", "\"ai/allowed\"", "\"ai/default\"", "\"ai/other\"",
            "\"\"", "true", "false", "null", "0", "-0", "7", "-7", "0.7", "1e3", "1E-3", "-2.5e+10",
            "9223372036854775807", "9223372036854775808", "1e999999999", "100E2147483647", "1e2147483648", "\"\\u00e9\"",
            "\"\\ud83d\\ude00\"", "\"\\udc00\"", "\"é\"", "\"\\\"\"", "\"a\\/b\""};
    private static final String[] NOISE = {",", "}", "{", "]", "[", ":", "\"", "'", "/*", "\\", " ", "\t", "\u0000",
            "\u007f", "\uFEFF", "é", "00", "1", "e", "-", "true", "nul"};

    private static byte[] randomBody(Random random) {
        StringBuilder json = new StringBuilder();
        randomObject(random, json, 0, true);
        byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
        if (random.nextInt(4) != 0) {
            return bytes;
        }
        ByteArrayOutputStream mutated = new ByteArrayOutputStream();
        int at = random.nextInt(bytes.length + 1);
        mutated.write(bytes, 0, at);
        switch (random.nextInt(4)) {
            case 0 -> mutated.writeBytes(NOISE[random.nextInt(NOISE.length)].getBytes(StandardCharsets.UTF_8));
            case 1 -> mutated.write(random.nextInt(256));
            case 2 -> at = Math.min(bytes.length, at + 1 + random.nextInt(3));
            default -> mutated.write(bytes, at, Math.min(3, bytes.length - at));
        }
        mutated.write(bytes, at, bytes.length - at);
        return mutated.toByteArray();
    }

    private static void randomObject(Random random, StringBuilder json, int depth, boolean top) {
        json.append('{');
        List<String> keys = new ArrayList<>();
        if (top && random.nextInt(5) != 0) {
            keys.add("model");
        }
        for (int n = random.nextInt(top ? 5 : 3); n > 0; n--) {
            String key = KEYS[random.nextInt(KEYS.length)];
            if (!keys.contains(key) || random.nextInt(20) == 0) {
                keys.add(key);
            }
        }
        java.util.Collections.shuffle(keys, random);
        for (int i = 0; i < keys.size(); i++) {
            json.append(i == 0 ? "" : ",").append('"').append(keys.get(i)).append("\":");
            randomValue(random, json, depth + 1, keys.get(i));
        }
        json.append('}');
    }

    private static void randomValue(Random random, StringBuilder json, int depth, String key) {
        int kind = random.nextInt(10);
        if (key.equals("stream_options") && kind < 6 || depth < 3 && kind == 0) {
            randomObject(random, json, depth, false);
        } else if (depth < 3 && kind == 1) {
            json.append('[');
            for (int n = random.nextInt(4); n > 0; n--) {
                randomValue(random, json, depth + 1, "");
                json.append(n > 1 ? "," : "");
            }
            json.append(']');
        } else if (key.equals("include_usage") && kind < 7) {
            json.append("true");
        } else {
            json.append(SCALARS[random.nextInt(SCALARS.length)]);
        }
    }
}
