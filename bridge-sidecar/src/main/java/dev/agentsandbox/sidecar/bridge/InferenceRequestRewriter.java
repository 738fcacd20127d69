package dev.agentsandbox.sidecar.bridge;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Checks and completes the JSON body of an inference request before it goes to the runner:
 * <ul>
 *   <li>the model: the default filled in when the request names none, a model outside the allow list refused;</li>
 *   <li>usage reporting: a streamed OpenAI chat or completions request gets {@code stream_options.include_usage:
 *       true}, even when the client set it to false, because the token budget is counted from that last event.</li>
 * </ul>
 * The body is re-encoded only when something changed.
 */
public final class InferenceRequestRewriter {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private InferenceRequestRewriter() {
    }

    /**
     * @param route  the matched route; must take a model in its body
     * @param body   the request body (JSON)
     * @param policy the model allow list
     */
    public static Result rewrite(InferenceRoute route, InputStream body, ModelPolicy policy) {
        JsonNode parsed;
        try {
            parsed = MAPPER.readTree(body);
        } catch (JacksonException e) {
            return Result.refused(BridgeError.badRequest("request body is not valid JSON: "
                    + e.getOriginalMessage()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!(parsed instanceof ObjectNode request)) {
            return Result.refused(BridgeError.badRequest("request body must be a JSON object with a \"model\""));
        }
        JsonNode model = request.get("model");
        if (model != null && !model.isNull() && !model.isTextual()) {
            return Result.refused(BridgeError.badRequest("\"model\" must be a string naming the model"));
        }
        ModelPolicy.Decision decision = policy.decide(model == null || model.isNull() ? null : model.asText());
        if (decision.refused()) {
            return Result.refused(BridgeError.modelNotAllowed(decision.refusal()));
        }
        boolean changed = false;
        if (model == null || !decision.model().equals(model.asText())) {
            request.put("model", decision.model());
            changed = true;
        }
        boolean streaming = request.path("stream").asBoolean(false);
        if (streaming && route.reportsStreamUsageOnRequest()) {
            changed |= requestStreamUsage(request);
        }
        byte[] rewritten = changed ? encode(request) : null;
        return new Result(rewritten, decision.model(), streaming, null);
    }

    private static boolean requestStreamUsage(ObjectNode request) {
        JsonNode options = request.get("stream_options");
        if (options instanceof ObjectNode existing) {
            if (existing.path("include_usage").asBoolean(false)) {
                return false;
            }
            existing.put("include_usage", true);
            return true;
        }
        request.putObject("stream_options").put("include_usage", true);
        return true;
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
     * @param body      the body to send instead of the original, or null to send the original unchanged
     * @param model     the model the request runs on
     * @param streaming whether the client asked for a stream
     * @param refusal   non-null when the request must be refused with this error
     */
    public record Result(byte[] body, String model, boolean streaming, BridgeError refusal) {
        static Result refused(BridgeError error) {
            return new Result(null, null, false, error);
        }

        public boolean refused() {
            return refusal != null;
        }
    }
}
