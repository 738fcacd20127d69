package dev.agentsandbox.sidecar.bridge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * An answer the bridge gives itself instead of the runner's, in the OpenAI error shape
 * ({@code {"error":{"message":…,"type":…,"code":…}}}) that OpenAI and most Anthropic clients display as is.
 *
 * @param status  the HTTP status
 * @param type    the OpenAI error type, e.g. {@code permission_error}
 * @param code    a stable machine-readable code, e.g. {@code model_not_allowed}
 * @param message one line a person understands, naming what to change
 */
public record BridgeError(HttpResponseStatus status, String type, String code, String message) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

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
                        + " to raise spec.model.tokenBudget");
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

    /** The body: one line of JSON followed by a newline. */
    public String toJson() {
        ObjectNode body = MAPPER.createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.put("code", code);
        return body.toString() + "\n";
    }
}
