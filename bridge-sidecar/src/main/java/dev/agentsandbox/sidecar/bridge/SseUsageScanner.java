package dev.agentsandbox.sidecar.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * Finds usage in a server-sent event stream, line by line as the chunks arrive. Only the current unfinished line is
 * held (at most {@value #MAX_LINE_BYTES} bytes; a longer line is skipped), and only {@code data:} lines with a member
 * named {@code usage} are parsed whole, so the ordinary token events cost one pass over their bytes each
 * ({@link GeneratedTextCounter}).
 *
 * <p>Where each API reports usage in its stream:
 * <ul>
 *   <li>OpenAI chat/completions: a last chunk with a top-level {@code usage} (when {@code include_usage} is set);</li>
 *   <li>OpenAI Responses: {@code response.completed}, in {@code response.usage};</li>
 *   <li>Anthropic: {@code message_start} ({@code message.usage.input_tokens}) and {@code message_delta}
 *       ({@code usage.output_tokens}, cumulative).</li>
 * </ul>
 * Each {@code data:} line is read as one JSON document, as these servers write them.
 *
 * <p>For a stream that reports no usage at all, it also counts the characters of generated text (string values of
 * the fields that carry it: {@code content}, {@code text}, {@code reasoning_content}, {@code arguments},
 * {@code partial_json}, {@code thinking}, {@code delta}…) with a {@link GeneratedTextCounter} (no parser per event).
 */
final class SseUsageScanner implements UsageScanner {

    static final int MAX_LINE_BYTES = 1 << 20;

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final byte[] DATA_FIELD = "data:".getBytes(StandardCharsets.US_ASCII);

    private final UsageTally tally = new UsageTally();
    private long generatedChars;
    /** The start of a line whose end has not arrived yet. */
    private byte[] pending = new byte[256];
    private int pendingLength;
    private boolean skippingLongLine;

    private byte[] scratch = new byte[8192];

    @Override
    public void feed(ByteBuf chunk) {
        int length = chunk.readableBytes();
        byte[] bytes;
        int position;
        if (chunk.hasArray()) {
            bytes = chunk.array();
            position = chunk.arrayOffset() + chunk.readerIndex();
        } else {
            if (scratch.length < length) {
                scratch = new byte[Math.max(length, scratch.length * 2)];
            }
            chunk.getBytes(chunk.readerIndex(), scratch, 0, length);
            bytes = scratch;
            position = 0;
        }
        int end = position + length;
        while (position < end) {
            int newline = position;
            while (newline < end && bytes[newline] != '\n') {
                newline++;
            }
            if (newline == end) {
                keep(bytes, position, end - position);
                return;
            }
            if (pendingLength == 0 && !skippingLongLine) {
                onLine(bytes, position, newline - position);
            } else {
                keep(bytes, position, newline - position);
                if (!skippingLongLine) {
                    onLine(pending, 0, pendingLength);
                }
                pendingLength = 0;
                skippingLongLine = false;
            }
            position = newline + 1;
        }
    }

    private void keep(byte[] bytes, int from, int length) {
        if (skippingLongLine) {
            return;
        }
        if (pendingLength + length > MAX_LINE_BYTES) {
            skippingLongLine = true;
            pendingLength = 0;
            return;
        }
        if (pendingLength + length > pending.length) {
            pending = Arrays.copyOf(pending, Math.min(MAX_LINE_BYTES, Math.max(pending.length * 2,
                    pendingLength + length)));
        }
        System.arraycopy(bytes, from, pending, pendingLength, length);
        pendingLength += length;
    }

    private void onLine(byte[] bytes, int from, int length) {
        if (length > 0 && bytes[from + length - 1] == '\r') {
            length--;
        }
        if (length <= DATA_FIELD.length || !Arrays.equals(bytes, from, from + DATA_FIELD.length, DATA_FIELD, 0,
                DATA_FIELD.length)) {
            return;
        }
        int dataFrom = from + DATA_FIELD.length;
        int dataEnd = from + length;
        GeneratedTextCounter.Counted event = GeneratedTextCounter.count(bytes, dataFrom, dataEnd - dataFrom);
        if (!tally.reported()) {
            generatedChars += event.chars();
        }
        if (!event.namesUsage()) {
            return;
        }
        try {
            JsonNode parsed = MAPPER.readTree(bytes, dataFrom, dataEnd - dataFrom);
            if (parsed != null) {
                take(parsed.path("usage"));
                take(parsed.path("message").path("usage"));
                take(parsed.path("response").path("usage"));
            }
        } catch (IOException e) {
            // not JSON (e.g. "[DONE]" or a split document): no usage in this line
        }
    }

    private void take(JsonNode usage) {
        for (Map.Entry<String, JsonNode> field : usage.properties()) {
            if (field.getValue().isIntegralNumber()) {
                tally.accept(field.getKey(), field.getValue().longValue());
            }
        }
    }

    @Override
    public TokenUsage usage() {
        return tally.usage();
    }

    @Override
    public boolean usageReported() {
        return tally.reported();
    }

    @Override
    public long generatedChars() {
        return generatedChars;
    }

    @Override
    public boolean eventStream() {
        return true;
    }
}
