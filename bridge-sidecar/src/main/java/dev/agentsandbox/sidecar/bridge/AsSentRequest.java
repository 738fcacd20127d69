package dev.agentsandbox.sidecar.bridge;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;

import java.io.IOException;

import static dev.agentsandbox.sidecar.bridge.InferenceRequestRewriter.CHECKED_BY_FOLDED_NAME;
import static dev.agentsandbox.sidecar.bridge.InferenceRequestRewriter.MAPPER;
import static dev.agentsandbox.sidecar.bridge.InferenceRequestRewriter.STREAM_OPTIONS_BY_FOLDED_NAME;
import static dev.agentsandbox.sidecar.bridge.InferenceRequestRewriter.TOKEN_LIMITS;

/**
 * {@link InferenceRequestRewriter}'s checks for a body that goes on as sent, made on the parser's tokens instead of
 * a tree: most requests change nothing, and building the tree was a large share of the bridge's CPU per request.
 *
 * <p>It only ever answers "as sent", with the result the checks on the tree give, or "not known" (null), and then the
 * tree's checks decide, alone: a refusal, a changed body, a body outside {@link SameReading}, and anything this class
 * does not read exactly as building the tree does. So it cannot let through what the tree's checks refuse: it reads
 * the whole body with the same parser (the mapper's, so duplicate keys, comments, the token count and nesting are
 * refused alike) and nothing after it, decodes every string and converts every number as building the tree does, and
 * holds the top level's and {@code stream_options}' keys to {@link FoldedKeys}. What it accepts is narrower than the
 * tree's "as sent": the checked fields must be of their exact type ({@code null} is left to the tree).
 */
final class AsSentRequest {

    /** Reads one number the way the tree's builder does (with the mapper's {@code BigDecimal} for floats). */
    private static final ObjectReader SCALAR = MAPPER.readerFor(JsonNode.class)
            .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /**
     * A body no longer than this cannot hold a string the parser's length limit refuses (a character takes at least a
     * byte); only the tree decodes a longer one.
     */
    private static final int MAX_STRING_LENGTH =
            MAPPER.getFactory().streamReadConstraints().getMaxStringLength();

    private AsSentRequest() {
    }

    /** The result of the tree's checks when {@code body} goes on as sent; null when the tree must decide. */
    static InferenceRequestRewriter.Result check(InferenceRoute route, byte[] body, ModelPolicy policy) {
        if (body.length > MAX_STRING_LENGTH || !SameReading.of(body)) {
            return null;
        }
        try (JsonParser parser = MAPPER.createParser(body)) {
            return read(parser, route, body, policy);
        } catch (IOException | RuntimeException notAsSent) {
            return null; // the tree's checks refuse it, naming why
        }
    }

    private static InferenceRequestRewriter.Result read(JsonParser parser, InferenceRoute route, byte[] body,
                                                        ModelPolicy policy) throws IOException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            return null;
        }
        FoldedKeys keys = new FoldedKeys(CHECKED_BY_FOLDED_NAME, "");
        String model = null;
        boolean streaming = false;
        boolean usageAsked = false;
        long maxTokens = -1;
        for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
            if (keys.add(name) != null) {
                return null;
            }
            JsonToken value = parser.nextToken();
            switch (name) {
                case "model" -> {
                    if (value != JsonToken.VALUE_STRING) {
                        return null;
                    }
                    model = parser.getText();
                }
                case "stream" -> {
                    if (!value.isBoolean()) {
                        return null;
                    }
                    streaming = value == JsonToken.VALUE_TRUE;
                }
                case "stream_options" -> {
                    if (value != JsonToken.START_OBJECT) {
                        return null;
                    }
                    Boolean asked = includeUsage(parser);
                    if (asked == null) {
                        return null;
                    }
                    usageAsked = asked;
                }
                default -> {
                    if (TOKEN_LIMITS.contains(name)) {
                        long limit = tokenLimit(parser, value);
                        if (limit < 0) {
                            return null;
                        }
                        maxTokens = Math.max(maxTokens, limit);
                    } else {
                        readValue(parser);
                    }
                }
            }
        }
        if (parser.nextToken() != null || model == null) {
            return null;
        }
        ModelPolicy.Decision decision = policy.decide(model);
        if (decision.refused() || !model.equals(decision.model())
                || (streaming && route.reportsStreamUsageOnRequest() && !usageAsked)) {
            return null;
        }
        return new InferenceRequestRewriter.Result(body, true, model, streaming, maxTokens, null);
    }

    /**
     * Reads the object {@code stream_options} (the parser at its start): whether it holds {@code include_usage: true};
     * null when a key is ambiguous.
     */
    private static Boolean includeUsage(JsonParser parser) throws IOException {
        FoldedKeys keys = new FoldedKeys(STREAM_OPTIONS_BY_FOLDED_NAME, "stream_options.");
        boolean includeUsage = false;
        for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
            if (keys.add(name) != null) {
                return null;
            }
            JsonToken value = parser.nextToken();
            if (name.equals("include_usage")) {
                includeUsage = value == JsonToken.VALUE_TRUE;
            }
            readValue(parser);
        }
        return includeUsage;
    }

    /** A token limit that is a whole number from 0 to {@link Long#MAX_VALUE}, or -1. */
    private static long tokenLimit(JsonParser parser, JsonToken value) throws IOException {
        if (value != JsonToken.VALUE_NUMBER_INT || parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            return -1;
        }
        return Math.max(parser.getLongValue(), -1);
    }

    /**
     * Reads the value at the parser to its end, each string decoded and each number converted as the tree's builder
     * does, so that what fails there fails here.
     */
    private static void readValue(JsonParser parser) throws IOException {
        int depth = 0;
        JsonToken token = parser.currentToken();
        while (true) {
            switch (token) {
                case START_OBJECT, START_ARRAY -> depth++;
                case END_OBJECT, END_ARRAY -> depth--;
                case VALUE_STRING -> parser.getTextLength();
                case VALUE_NUMBER_INT -> parser.getNumberValue();
                case VALUE_NUMBER_FLOAT -> SCALAR.readTree(parser);
                case FIELD_NAME, VALUE_TRUE, VALUE_FALSE, VALUE_NULL -> {
                }
                default -> throw new IOException("not a JSON token: " + token);
            }
            if (depth == 0) {
                return;
            }
            token = parser.nextToken();
        }
    }
}
