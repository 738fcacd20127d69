package dev.agentsandbox.sidecar.bridge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentsandbox.sidecar.bridge.InferenceRoute.Api;
import dev.agentsandbox.sidecar.core.HttpReplies;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * An answer the bridge gives itself instead of the runner's, written in the error shape of the API the request
 * speaks ({@link #toResponse}), so each official SDK raises its own exception with the bridge's message:
 * <ul>
 *   <li>OpenAI: {@code {"error":{"message":…,"type":…,"param":null,"code":…}}};</li>
 *   <li>Anthropic: {@code {"type":"error","error":{"type":…,"message":…}}}, the type following the status as
 *       Anthropic's API pairs them ({@link #anthropicType}).</li>
 * </ul>
 * Both carry the bridge's {@link #code} in the header {@value #CODE_HEADER} too (the Anthropic shape has no field for
 * it), and an error no retry can cure carries {@code x-should-retry: false}, which the OpenAI and Anthropic SDKs
 * (Python and TypeScript) and Claude Code obey before their own rule (which retries every 429 and 5xx).
 *
 * @param status     the HTTP status
 * @param type       the OpenAI error type, e.g. {@code permission_error}
 * @param code       a stable machine-readable code, e.g. {@code model_not_allowed}
 * @param message    one line a person understands, naming what to change
 * @param retryCures false when the same request can only meet the same answer (a spent budget), so clients are told
 *                   not to retry
 */
public record BridgeError(HttpResponseStatus status, String type, String code, String message, boolean retryCures) {

    /** The header naming the bridge's {@link #code} on every answer the bridge gives itself. */
    public static final String CODE_HEADER = "x-agentsandbox-error";
    /** The header the Stainless-generated SDKs (OpenAI, Anthropic) and Claude Code read before deciding to retry. */
    public static final String SHOULD_RETRY_HEADER = "x-should-retry";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public BridgeError(HttpResponseStatus status, String type, String code, String message) {
        this(status, type, code, message, true);
    }

    public static BridgeError pathNotAllowed(String method, String path) {
        return new BridgeError(HttpResponseStatus.FORBIDDEN, "permission_error", "path_not_allowed",
                "the model bridge passes only inference requests (" + InferenceRoute.describeAll() + "); "
                        + method + " " + path + " is refused");
    }

    public static BridgeError modelNotAllowed(String reason) {
        return new BridgeError(HttpResponseStatus.FORBIDDEN, "permission_error", "model_not_allowed", reason);
    }

    public static BridgeError budgetSpent(long budget, long used) {
        return new BridgeError(HttpResponseStatus.TOO_MANY_REQUESTS, "insufficient_quota", "token_budget_exceeded",
                "the sandbox's token budget of " + budget + " tokens is spent (" + used + " used): ask its owner"
                        + " to raise spec.model.tokenBudget", false);
    }

    /** The running requests' reservations leave too little of the budget for this one (it may retry later). */
    public static BridgeError budgetReserved(long budget, long used, long reserved, long estimate) {
        return new BridgeError(HttpResponseStatus.TOO_MANY_REQUESTS, "insufficient_quota", "token_budget_reserved",
                "the sandbox's token budget of " + budget + " tokens cannot cover this request (up to " + estimate
                        + " tokens) while the running ones may still spend " + reserved + " (" + used
                        + " used): retry when they finish, or lower max_tokens");
    }

    /** More requests than a budgeted sandbox may run at once. */
    public static BridgeError tooManyConcurrent(int max) {
        return new BridgeError(HttpResponseStatus.TOO_MANY_REQUESTS, "rate_limit_error", "too_many_concurrent",
                "at most " + max + " inference requests may run at once under a token budget: retry when one ends");
    }

    public static BridgeError tooManyConnections(int max) {
        return new BridgeError(HttpResponseStatus.SERVICE_UNAVAILABLE, "rate_limit_error", "too_many_connections",
                "at most " + max + " connections to the bridge may be open at once: close some and retry");
    }

    public static BridgeError busy(long bufferedBytes) {
        return new BridgeError(HttpResponseStatus.SERVICE_UNAVAILABLE, "rate_limit_error", "bridge_busy",
                "the bridge already holds " + bufferedBytes + " bytes of request bodies: retry shortly");
    }

    public static BridgeError requestTimeout(long seconds) {
        return new BridgeError(HttpResponseStatus.REQUEST_TIMEOUT, "invalid_request_error", "request_timeout",
                "the request did not arrive within " + seconds + " s");
    }

    public static BridgeError badRequest(String message) {
        return new BridgeError(HttpResponseStatus.BAD_REQUEST, "invalid_request_error", "invalid_body", message);
    }

    public static BridgeError bodyTooLarge(int maxBytes) {
        return new BridgeError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "invalid_request_error",
                "body_too_large", "request body exceeds the bridge's limit of " + maxBytes + " bytes");
    }

    public static BridgeError runnerUnreachable(String runner, String cause) {
        return new BridgeError(HttpResponseStatus.BAD_GATEWAY, "upstream_error", "runner_unreachable",
                "the model runner at " + runner + " is unreachable (" + cause + "); is it running?");
    }

    public static BridgeError runnerTimeout(String runner, long seconds) {
        return new BridgeError(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream_error", "runner_timeout",
                "the model runner at " + runner + " sent nothing for " + seconds + " s (loading a large model can"
                        + " take long: raise --read-timeout if this repeats)");
    }

    /**
     * The refusal of a streamed request for a model whose runner was seen to stream without reporting usage, under
     * {@code --stream-without-usage refuse}: the same request would meet the same answer.
     */
    public static BridgeError streamWithoutUsage(String model) {
        return new BridgeError(HttpResponseStatus.BAD_GATEWAY, "upstream_error", "stream_usage_missing",
                "the model runner streamed an answer of " + model + " without reporting its token usage, so the"
                        + " bridge refuses streamed requests for it (--stream-without-usage refuse): send"
                        + " \"stream\": false", false);
    }

    /**
     * The error type of Anthropic's API for this status (its documented pairs; 408 is the client's own slowness,
     * 502 and 503 the runner's or the bridge's capacity).
     */
    public String anthropicType() {
        return switch (status.code()) {
            case 400, 408 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            case 504 -> "timeout_error";
            default -> "api_error";
        };
    }

    /** The whole answer, in the error shape of {@code api}, with the bridge's headers. */
    public FullHttpResponse toResponse(Api api) {
        FullHttpResponse response = HttpReplies.json(status, toJson(api));
        response.headers().set(CODE_HEADER, code);
        if (!retryCures) {
            response.headers().set(SHOULD_RETRY_HEADER, "false");
        }
        return response;
    }

    /**
     * {@link #toResponse} for a refusal that a retry on a new connection a moment later cures (the bridge is full):
     * {@code Retry-After}, and the connection closes, since the request's body was never read.
     */
    public FullHttpResponse toRetryLaterResponse(Api api) {
        FullHttpResponse response = toResponse(api);
        response.headers().set(HttpHeaderNames.RETRY_AFTER, HttpReplies.RETRY_AFTER_SECONDS)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }

    /** The body in the error shape of {@code api}: one line of JSON followed by a newline. */
    String toJson(Api api) {
        ObjectNode body = MAPPER.createObjectNode();
        if (api == Api.ANTHROPIC) {
            body.put("type", "error");
            ObjectNode error = body.putObject("error");
            error.put("type", anthropicType());
            error.put("message", message);
        } else {
            ObjectNode error = body.putObject("error");
            error.put("message", message);
            error.put("type", type);
            error.putNull("param");
            error.put("code", code);
        }
        return body.toString() + "\n";
    }
}
