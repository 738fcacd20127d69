package dev.agentsandbox.sidecar.bridge;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteBufferFeeder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Finds the top-level {@code usage} object of a JSON response (OpenAI chat, completions, embeddings, Responses;
 * Anthropic messages) with Jackson's non-blocking parser: tokens are read as the chunks arrive and nothing but the
 * parser's current token is held, so a large embeddings response costs no memory. An answer that arrives in one
 * piece ({@link #feedWhole}) is read in one pass over its bytes ({@link JsonAnswerUsage}), or, where that pass leaves it
 * to a parser, by Jackson's blocking parser straight from its bytes, which costs less per token than the non-blocking
 * one and needs no parser state kept between chunks.
 */
final class JsonUsageScanner implements UsageScanner {

    private static final JsonFactory FACTORY = new JsonFactory();

    /** The non-blocking parser, made at the first chunk; or the blocking one of a whole body. */
    private JsonParser parser;
    private ByteBufferFeeder feeder;
    private UsageTally tally = new UsageTally();
    private int depth;
    private String topLevelField;
    private boolean inUsage;
    private String usageField;
    /** The document ended or could not be parsed: the rest of the body is not looked at. */
    private boolean stopped;

    @Override
    public void feed(ByteBuf chunk) {
        if (stopped || !chunk.isReadable()) {
            return;
        }
        ByteBuffer bytes = chunk.nioBuffer(chunk.readerIndex(), chunk.readableBytes());
        try {
            if (parser == null) {
                parser = FACTORY.createNonBlockingByteBufferParser();
                feeder = (ByteBufferFeeder) parser.getNonBlockingInputFeeder();
            }
            feeder.feedInput(bytes);
            // Drain everything now: the parser must not look at this buffer after it is forwarded and released.
            for (JsonToken token = parser.nextToken();
                    !stopped && token != null && token != JsonToken.NOT_AVAILABLE; token = parser.nextToken()) {
                onToken(token);
            }
        } catch (IOException e) {
            stop();
        }
    }

    /**
     * Reads {@code body} as the whole answer when nothing came before it; else as the next chunk. The blocking parser
     * detects the encoding from the first bytes, so it is used only where that can only be UTF-8, as the non-blocking
     * parser always reads (a document that starts with two non-zero bytes).
     */
    @Override
    public void feedWhole(ByteBuf body) {
        int length = body.readableBytes();
        if (parser != null || stopped || length < 2
                || body.getByte(body.readerIndex()) == 0 || body.getByte(body.readerIndex() + 1) == 0) {
            feed(body);
            return;
        }
        byte[] bytes;
        int from;
        if (body.hasArray()) {
            bytes = body.array();
            from = body.arrayOffset() + body.readerIndex();
        } else {
            // (one read's worth at most, the codec's chunk size)
            bytes = ByteBufUtil.getBytes(body, body.readerIndex(), length);
            from = 0;
        }
        UsageTally read = JsonAnswerUsage.read(bytes, from, length);
        if (read != null) {
            tally = read;
            stopped = true;
            return;
        }
        parseWhole(bytes, from, length);
    }

    /** Reads a whole answer {@code bytes[from, from + length)} with Jackson's blocking parser. */
    void parseWhole(byte[] bytes, int from, int length) {
        try {
            parser = FACTORY.createParser(bytes, from, length);
            for (JsonToken token = parser.nextToken(); !stopped && token != null; token = parser.nextToken()) {
                onToken(token);
            }
        } catch (IOException e) {
            // malformed: what was counted before stays, as in feed
        }
        stop();
    }

    /**
     * Closes the parser once it is no longer needed: closing merges the field names it learned back into the
     * factory's shared table, so later responses do not intern {@code usage} and friends again.
     */
    private void stop() {
        stopped = true;
        if (parser == null) {
            return;
        }
        try {
            parser.close();
        } catch (IOException e) {
            // nothing to release beyond the parser's own buffers
        }
    }

    private void onToken(JsonToken token) throws IOException {
        switch (token) {
            case START_OBJECT, START_ARRAY -> {
                depth++;
                inUsage = depth == 2 && token == JsonToken.START_OBJECT && "usage".equals(topLevelField);
            }
            case END_OBJECT, END_ARRAY -> {
                if (depth == 2) {
                    inUsage = false;
                }
                depth--;
                if (depth == 0) {
                    stop();
                }
            }
            case FIELD_NAME -> {
                if (depth == 1) {
                    topLevelField = parser.currentName();
                } else if (depth == 2 && inUsage) {
                    usageField = parser.currentName();
                }
            }
            case VALUE_NUMBER_INT -> {
                if (depth == 2 && inUsage) {
                    tally.accept(usageField, parser.getLongValue());
                }
            }
            default -> {
                // strings, floats, booleans and nulls never carry a token count
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
}
