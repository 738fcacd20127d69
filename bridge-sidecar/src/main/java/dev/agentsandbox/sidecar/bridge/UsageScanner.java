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

    /**
     * Reads the whole body at once (it arrived in one piece); by default as any chunk. Does not move its reader index
     * nor keep a reference to it.
     */
    default void feedWhole(ByteBuf body) {
        feed(body);
    }

    /** The usage found so far. */
    TokenUsage usage();

    /** Whether the body reported its usage at all (a report of zero tokens is a report). */
    boolean usageReported();

    /**
     * The characters of generated text seen so far, for the {@linkplain TokenBudget#estimateUnreported estimate} of
     * an event stream that reports no usage; 0 for a JSON body, whose usage is read, not estimated.
     */
    default long generatedChars() {
        return 0;
    }

    /** Whether this body is an event stream. */
    default boolean eventStream() {
        return false;
    }

    /** The scanner for a response with this {@code Content-Type} (null when absent). */
    static UsageScanner forContentType(String contentType) {
        if (contentType != null && contentType.regionMatches(true, 0, HttpHeaderValues.TEXT_EVENT_STREAM.toString(),
                0, HttpHeaderValues.TEXT_EVENT_STREAM.length())) {
            return new SseUsageScanner();
        }
        return new JsonUsageScanner();
    }
}
