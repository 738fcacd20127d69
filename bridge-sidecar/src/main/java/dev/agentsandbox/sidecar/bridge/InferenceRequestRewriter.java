package dev.agentsandbox.sidecar.bridge;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks and completes the JSON body of an inference request before it goes to the runner, and judges it the way
 * the runner will read it. Docker Model Runner decodes with Go's {@code encoding/json}, which matches an object key
 * to a field ignoring case (with Unicode simple folding: {@code ſtream} is {@code stream}, the Kelvin sign is
 * {@code k}) and lets the last of several keys win; llama.cpp coerces or ignores values of the wrong type. So:
 * <ul>
 *   <li>the body is parsed strictly (one JSON object, exact numbers, nothing after it) and a key that appears
 *       twice in any object is refused;</li>
 *   <li>at the top level and in {@code stream_options} (the objects the runner decodes into structs), two keys that
 *       fold to the same name, or a key that folds to a field the bridge reads ({@link #CHECKED_FIELDS}) without
 *       being spelled exactly so, are refused: the bridge and the runner would see different values;</li>
 *   <li>the fields the bridge reads must have their JSON type (a string model, a boolean stream, an integer token
 *       limit): a value the runner would coerce differently is refused;</li>
 *   <li>the model: the default filled in when the request names none, a model outside the allow list refused;</li>
 *   <li>usage reporting: a streamed OpenAI chat or completions request gets {@code stream_options.include_usage:
 *       true} (the JSON boolean), whatever the client set, because the token budget is counted from that event.</li>
 * </ul>
 * What goes to the runner is the checked tree re-serialised, or, when the checks change nothing, the body's own
 * bytes, but only where {@link SameReading} shows that every JSON reader decodes them as the bridge did (strict UTF-8,
 * no byte-order mark, no raw control bytes, no escaped surrogates): never bytes the bridge did not read as the runner
 * reads them. A body that goes on as sent is checked on the parser's tokens ({@link AsSentRequest}), without a tree;
 * any other is checked (again) on its tree, which builds the refusal or the changed body.
 */
public final class InferenceRequestRewriter {

    /** The fields the bridge reads at the top level of a request; their spelling must be exact. */
    static final Set<String> CHECKED_FIELDS = Set.of("model", "stream", "stream_options", "max_tokens",
            "max_completion_tokens", "max_output_tokens");
    static final List<String> TOKEN_LIMITS = List.of("max_tokens", "max_completion_tokens",
            "max_output_tokens");
    private static final Set<String> STREAM_OPTIONS_FIELDS = Set.of("include_usage");
    static final Map<String, String> CHECKED_BY_FOLDED_NAME = FoldedKeys.byFoldedName(CHECKED_FIELDS);
    static final Map<String, String> STREAM_OPTIONS_BY_FOLDED_NAME =
            FoldedKeys.byFoldedName(STREAM_OPTIONS_FIELDS);

    /**
     * JSON tokens a body may have. The checked tree costs far more memory than the body's bytes when it is made of
     * tiny values (a 10 MiB body of empty objects is millions of nodes); chat bodies are mostly long strings, one
     * token each, so this leaves real requests (and embeddings of token arrays) ample room.
     */
    static final long MAX_JSON_TOKENS = 256 * 1024;

    static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxTokenCount(MAX_JSON_TOKENS).build())
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonParser.Feature.ALLOW_COMMENTS)
            .build();

    private InferenceRequestRewriter() {
    }

    /**
     * @param route  the matched route; must take a model in its body
     * @param body   the request body (JSON), all of the array; not changed
     * @param policy the model allow list
     */
    public static Result rewrite(InferenceRoute route, byte[] body, ModelPolicy policy) {
        Result asSent = AsSentRequest.check(route, body, policy);
        return asSent != null ? asSent : checkTree(route, body, policy);
    }

    /**
     * The checks on the body's tree: they decide every request, and the tree is what a changed body is re-serialised
     * from. {@link #rewrite} asks {@link AsSentRequest} first, which decides the same without a tree for a body that
     * goes on as sent.
     */
    static Result checkTree(InferenceRoute route, byte[] body, ModelPolicy policy) {
        JsonNode parsed;
        try {
            parsed = MAPPER.readTree(body);
        } catch (StreamReadException e) {
            return Result.refused(BridgeError.badRequest("request body is not valid JSON: "
                    + e.getOriginalMessage() + " (each key may appear once per object)"));
        } catch (JacksonException e) {
            return Result.refused(BridgeError.badRequest("request body is not valid JSON: "
                    + e.getOriginalMessage()));
        } catch (NumberFormatException | ArithmeticException e) {
            // a number the parser took whose BigDecimal Java cannot hold (an exponent beyond an int)
            return Result.refused(BridgeError.badRequest("request body is not valid JSON: a number is out of range"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!(parsed instanceof ObjectNode request)) {
            return Result.refused(BridgeError.badRequest("request body must be a JSON object with a \"model\""));
        }
        String ambiguous = ambiguousKey(request, CHECKED_BY_FOLDED_NAME, "");
        if (ambiguous == null && request.get("stream_options") instanceof ObjectNode options) {
            ambiguous = ambiguousKey(options, STREAM_OPTIONS_BY_FOLDED_NAME, "stream_options.");
        }
        if (ambiguous != null) {
            return Result.refused(BridgeError.badRequest(ambiguous));
        }
        String mistyped = mistypedField(request);
        if (mistyped != null) {
            return Result.refused(BridgeError.badRequest(mistyped));
        }
        JsonNode model = request.get("model");
        ModelPolicy.Decision decision = policy.decide(model == null || model.isNull() ? null : model.asText());
        if (decision.refused()) {
            return Result.refused(BridgeError.modelNotAllowed(decision.refusal()));
        }
        boolean changed = !(model != null && model.isTextual() && model.textValue().equals(decision.model()));
        request.put("model", decision.model());
        boolean streaming = request.path("stream").booleanValue();
        if (streaming && route.reportsStreamUsageOnRequest()) {
            JsonNode options = request.get("stream_options");
            ObjectNode streamOptions = options instanceof ObjectNode existing ? existing
                    : request.putObject("stream_options");
            JsonNode includeUsage = streamOptions.get("include_usage");
            changed |= includeUsage == null || !includeUsage.isBoolean() || !includeUsage.booleanValue();
            streamOptions.set("include_usage", BooleanNode.TRUE);
        }
        boolean asSent = !changed && SameReading.of(body);
        return new Result(asSent ? body : encode(request), asSent, decision.model(), streaming, maxTokens(request),
                null);
    }

    /** The first ambiguous key of {@code object} ({@link FoldedKeys}), or null. */
    private static String ambiguousKey(ObjectNode object, Map<String, String> exact, String prefix) {
        FoldedKeys keys = new FoldedKeys(exact, prefix);
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String ambiguous = keys.add(names.next());
            if (ambiguous != null) {
                return ambiguous;
            }
        }
        return null;
    }

    private static String mistypedField(ObjectNode request) {
        JsonNode model = request.get("model");
        if (model != null && !model.isNull() && !model.isTextual()) {
            return "\"model\" must be a string naming the model";
        }
        JsonNode stream = request.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            return "\"stream\" must be true or false";
        }
        JsonNode options = request.get("stream_options");
        if (options != null && !options.isNull() && !options.isObject()) {
            return "\"stream_options\" must be an object";
        }
        for (String limit : TOKEN_LIMITS) {
            JsonNode value = request.get(limit);
            if (value != null && !value.isNull() && !(value.isIntegralNumber() && value.canConvertToLong()
                    && value.longValue() >= 0)) {
                return "\"" + limit + "\" must be a whole number of tokens (0 or more)";
            }
        }
        return null;
    }

    /** The largest number of tokens the request lets the model generate, or -1 when it sets no limit. */
    private static long maxTokens(ObjectNode request) {
        long max = -1;
        for (String limit : TOKEN_LIMITS) {
            JsonNode value = request.get(limit);
            if (value != null && value.isIntegralNumber()) {
                max = Math.max(max, value.longValue());
            }
        }
        return max;
    }

    private static byte[] encode(ObjectNode request) {
        try {
            return MAPPER.writeValueAsBytes(request);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The outcome.
     *
     * @param body      the body to send: re-serialised from the checked tree, or the request's own
     * @param asSent    whether {@code body} is the request's own (the checks changed nothing and every reader
     *                  decodes it alike)
     * @param model     the model the request runs on
     * @param streaming whether the client asked for a stream
     * @param maxTokens the request's own limit on generated tokens, -1 when it sets none
     * @param refusal   non-null when the request must be refused with this error
     */
    public record Result(byte[] body, boolean asSent, String model, boolean streaming, long maxTokens,
                         BridgeError refusal) {
        static Result refused(BridgeError error) {
            return new Result(null, false, null, false, -1, error);
        }

        public boolean refused() {
            return refusal != null;
        }
    }
}
