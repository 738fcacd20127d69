package dev.agentsandbox.sidecar.bridge;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderValues;

/**
 * Reads the token usage out of a response body as it passes through, chunk by chunk, without holding the body and
 * without touching what is forwarded. A body it cannot read yields {@link TokenUsage#NONE}, never an error: usage
 * counting must not break a response.
 */
public interface UsageScanner {

    /** Reads the chunk's readable bytes; does not move its reader index nor keep a reference to it. */
    void feed(ByteBuf chunk);

    /** The usage found so far. */
    TokenUsage usage();

    /** The scanner for a response with this {@code Content-Type} (null when absent). */
    static UsageScanner forContentType(String contentType) {
        if (contentType != null && contentType.regionMatches(true, 0, HttpHeaderValues.TEXT_EVENT_STREAM.toString(),
                0, HttpHeaderValues.TEXT_EVENT_STREAM.length())) {
            return new SseUsageScanner();
        }
        return new JsonUsageScanner();
    }
}
