package dev.agentsandbox.sidecar.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.util.ByteProcessor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * Finds usage in a server-sent event stream, line by line as the chunks arrive. Only the current unfinished line is
 * held (at most {@value #MAX_LINE_BYTES} bytes; a longer line is skipped), and only {@code data:} lines that mention
 * {@code "usage"} are parsed, so the ordinary token events cost one byte scan each.
 *
 * <p>Where each API reports usage in its stream:
 * <ul>
 *   <li>OpenAI chat/completions: a last chunk with a top-level {@code usage} (when {@code include_usage} is set);</li>
 *   <li>OpenAI Responses: {@code response.completed}, in {@code response.usage};</li>
 *   <li>Anthropic: {@code message_start} ({@code message.usage.input_tokens}) and {@code message_delta}
 *       ({@code usage.output_tokens}, cumulative).</li>
 * </ul>
 * Each {@code data:} line is read as one JSON document, as these servers write them.
 */
final class SseUsageScanner implements UsageScanner {

    static final int MAX_LINE_BYTES = 1 << 20;

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final byte[] DATA_FIELD = "data:".getBytes(StandardCharsets.US_ASCII);
    private static final ByteBuf USAGE_KEY = Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer("\"usage\"".getBytes(StandardCharsets.US_ASCII)));

    private final UsageTally tally = new UsageTally();
    /** The start of a line whose end has not arrived yet. */
    private byte[] pending = new byte[256];
    private int pendingLength;
    private boolean skippingLongLine;

    @Override
    public void feed(ByteBuf chunk) {
        int position = chunk.readerIndex();
        int end = chunk.writerIndex();
        while (position < end) {
            int newline = chunk.forEachByte(position, end - position, ByteProcessor.FIND_LF);
            if (newline < 0) {
                keep(chunk, position, end - position);
                return;
            }
            if (pendingLength == 0 && !skippingLongLine) {
                onLine(chunk, position, newline - position);
            } else {
                keep(chunk, position, newline - position);
                if (!skippingLongLine) {
                    onLine(Unpooled.wrappedBuffer(pending, 0, pendingLength), 0, pendingLength);
                }
                pendingLength = 0;
                skippingLongLine = false;
            }
            position = newline + 1;
        }
    }

    private void keep(ByteBuf chunk, int from, int length) {
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
        chunk.getBytes(from, pending, pendingLength, length);
        pendingLength += length;
    }

    private void onLine(ByteBuf buffer, int from, int length) {
        if (length > 0 && buffer.getByte(from + length - 1) == '\r') {
            length--;
        }
        if (length <= DATA_FIELD.length || !startsWith(buffer, from, DATA_FIELD)) {
            return;
        }
        ByteBuf data = buffer.slice(from + DATA_FIELD.length, length - DATA_FIELD.length);
        if (ByteBufUtil.indexOf(USAGE_KEY, data) < 0) {
            return;
        }
        try {
            JsonNode event = MAPPER.readTree(ByteBufUtil.getBytes(data));
            if (event != null) {
                take(event.path("usage"));
                take(event.path("message").path("usage"));
                take(event.path("response").path("usage"));
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

    private static boolean startsWith(ByteBuf buffer, int from, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (buffer.getByte(from + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public TokenUsage usage() {
        return tally.usage();
    }
}
