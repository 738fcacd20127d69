package dev.agentsandbox.sidecar.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A body goes to the runner as the client sent it only when the checks changed nothing and its bytes read the same in
 * every JSON reader (Go's {@code encoding/json} decodes invalid UTF-8 to U+FFFD and knows no UTF-16, Jackson decodes
 * overlong sequences and detects UTF-16/32): otherwise the runner gets the checked tree re-serialised. And what the
 * bridge's parser accepts must be strict JSON: a relaxed parser (comments, single quotes…) would let bytes through
 * that the runner reads otherwise or not at all.
 */
class SameReadingTest {

    private static final ObjectMapper PLAIN = new ObjectMapper();
    private final ModelPolicy policy = new ModelPolicy("ai/default", List.of("ai/default", "ai/allowed"));

    private InferenceRequestRewriter.Result rewrite(byte[] body) {
        return InferenceRequestRewriter.rewrite(InferenceRoute.CHAT_COMPLETIONS, body, policy);
    }

    private static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Decodes as a strict reader must: malformed UTF-8 is an error, not a replacement. */
    private static String strictUtf8(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes)).toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // a byte-order mark: Jackson skips it, Go refuses the body
            "EFBBBF 7B226D6F64656C223A2261692F616C6C6F776564227D",
            // overlong 'm' (C1 AD): Jackson reads the key "model", Go "\uFFFD\uFFFDodel"
            "7B22 C1AD 6F64656C223A2261692F616C6C6F776564227D",
            // an encoded surrogate (ED A0 80) and an invalid byte (FF) in a string
            "7B226D6F64656C223A2261692F616C6C6F776564222C2278223A22 EDA080 227D",
            "7B226D6F64656C223A2261692F616C6C6F776564222C2278223A22 FF 227D",
            // a truncated sequence before the closing quote
            "7B226D6F64656C223A2261692F616C6C6F776564222C2278223A22 E282 227D"})
    void bytesReadersDecodeDifferentlyAreRefusedOrReSerialised(String hexBody) throws IOException {
        var result = rewrite(hex(hexBody));
        if (!result.refused()) {
            assertThat(result.asSent()).isFalse();
            JsonNode sent = PLAIN.readTree(strictUtf8(result.body()));
            assertThat(sent.get("model").asText()).isIn(policy.allowed());
        }
    }

    @Test
    void otherEncodingsThanUtf8AreNeverForwardedAsTheyCame() throws IOException {
        String body = "{\"model\":\"ai/allowed\",\"messages\":[]}";
        for (Charset charset : List.of(StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE, StandardCharsets.UTF_16,
                Charset.forName("UTF-32LE"), Charset.forName("UTF-32BE"))) {
            var result = rewrite(body.getBytes(charset));
            if (!result.refused()) {
                assertThat(result.asSent()).as("%s", charset).isFalse();
                assertThat(PLAIN.readTree(strictUtf8(result.body()))).isEqualTo(PLAIN.readTree(body));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"model\":\"ai/allowed\",\"x\":\"\\ud800\"}",
            "{\"model\":\"ai/allowed\",\"x\\uDFFF\":1}",
            "{\"model\":\"ai/allowed\",\"x\":\"\\ud83d\\ude00\"}"})
    void surrogateEscapesAreReSerialised(String body) {
        var result = rewrite(utf8(body));
        // (Jackson refuses a lone surrogate in a key)
        assertThat(result.refused() || !result.asSent()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"model\":\"ai/allowed\",\"x\":\"\\\\ud800\"}",
            "{\"model\":\"ai/allowed\",\"x\":\"\\u00e9 \u00e9 \u20ac \ud83d\ude00\"}",
            "{\"model\":\"ai/allowed\",\n\t\"x\":\r\n[1, -0, 1e400, 0.5E-3, true, null]}"})
    void wellFormedUtf8GoesOnAsItCame(String body) {
        var result = rewrite(utf8(body));
        assertThat(result.refused()).isFalse();
        assertThat(result.asSent()).isTrue();
        assertThat(result.body()).isEqualTo(utf8(body));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"model\":\"ai/allowed\" /* a comment */}",
            "{\"model\":\"ai/allowed\"} // a comment",
            "{\"model\":\"ai/allowed\"} # a comment",
            "{'model':'ai/allowed'}",
            "{model:\"ai/allowed\"}",
            "{\"model\":\"ai/allowed\",}",
            "{\"model\":\"ai/allowed\",\"x\":[1,,2]}",
            "{\"model\":\"ai/allowed\",\"x\":01}",
            "{\"model\":\"ai/allowed\",\"x\":+1}",
            "{\"model\":\"ai/allowed\",\"x\":.5}",
            "{\"model\":\"ai/allowed\",\"x\":5.}",
            "{\"model\":\"ai/allowed\",\"x\":NaN}",
            "{\"model\":\"ai/allowed\",\"x\":Infinity}",
            "{\"model\":\"ai/allowed\",\"x\":\"\\q\"}",
            "{\"model\":\"ai/allowed\",\"x\":\"a\tb\"}",
            "{\"model\":\"ai/allowed\",\"x\":\"a\u0000b\"}",
            "{\"model\":\"ai/allowed\"}\u001e",
            "{\"model\":\"ai/allowed\"} x",
            "{\"model\":\"ai/forbidden\",\"model\":\"ai/allowed\"}"})
    void onlyStrictJsonIsAccepted(String body) {
        assertThat(rewrite(utf8(body)).refused()).as(body).isTrue();
    }

    /**
     * Random bytes in a string value and in a key of an otherwise allowed body: whatever goes on as it came decodes as
     * strict UTF-8, to the very document the bridge checked.
     */
    @Test
    void whatGoesOnAsItCameReadsAsTheBridgeReadIt() throws IOException {
        byte[][] pieces = {hex("00"), hex("09"), hex("1F"), hex("7F"), hex("C1AD"), hex("C3A9"), hex("C3"), hex("ED"),
                hex("EDA080"), hex("ED9FBF"), hex("EFBBBF"), hex("F09F9880"), hex("F4908080"), hex("F0"), hex("FF"),
                hex("80"), utf8("\\"), utf8("\\u"), utf8("d8"), utf8("00"), utf8("\""), utf8("a"), utf8("m"),
                utf8("\\\\"), utf8("\\n"), utf8("\\ud83d\\ude00")};
        Random random = new Random(18);
        int forwardedAsSent = 0;
        for (int i = 0; i < 20_000; i++) {
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            for (int n = random.nextInt(6); n >= 0; n--) {
                text.writeBytes(pieces[random.nextInt(pieces.length)]);
            }
            byte[] body = random.nextBoolean()
                    ? concat(utf8("{\"model\":\"ai/allowed\",\"x\":\""), text.toByteArray(), utf8("\"}"))
                    : concat(utf8("{\"model\":\"ai/allowed\",\""), text.toByteArray(), utf8("\":1}"));
            var result = rewrite(body);
            if (result.refused() || !result.asSent()) {
                continue;
            }
            forwardedAsSent++;
            JsonNode checked = PLAIN.readTree(body);
            String decoded = strictUtf8(result.body());
            assertThat(PLAIN.readTree(decoded)).as(HexFormat.of().formatHex(body)).isEqualTo(checked);
            assertThat(decoded.codePoints().noneMatch(c -> c >= 0xD800 && c <= 0xDFFF)).isTrue();
        }
        assertThat(forwardedAsSent).as("bodies forwarded as they came").isGreaterThan(1000);
    }
}
