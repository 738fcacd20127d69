package dev.agentsandbox.sidecar.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The model bridge's {@code /status} document (admin port {@link SidecarPorts#BRIDGE_ADMIN}); the operator copies it
 * into the sandbox's {@code status.model}. A reader ignores fields it does not know: a newer sidecar may add some.
 *
 * @param requests         inference requests forwarded to the runner since start
 * @param promptTokens     prompt tokens the runner reported (see {@code streamsWithoutUsage})
 * @param completionTokens completion tokens the runner reported, plus the estimates of streamed answers that reported
 *                         none
 * @param streamsWithoutUsage streamed answers that ended without reporting their usage (a runner that ignores
 *                         {@code stream_options.include_usage}); their tokens are estimated (prompt and completion)
 *                         and included in the two counts above
 * @param refused          requests the bridge answered itself since start, by error code (e.g.
 *                         {@code model_not_allowed}, {@code token_budget_exceeded})
 * @param models           the same counters per model; only allowed models are forwarded, so the list is bounded
 * @param lastActivity     the agent's latest request to the bridge (forwarded or refused), RFC 3339; null before
 *                         the first
 */
@JsonPropertyOrder({"requests", "promptTokens", "completionTokens", "streamsWithoutUsage", "refused", "models",
        "lastActivity"})
public record BridgeStatus(long requests, long promptTokens, long completionTokens, long streamsWithoutUsage,
                           Map<String, Long> refused, List<ModelUsage> models,
                           @JsonInclude(JsonInclude.Include.NON_NULL) String lastActivity) {

    public BridgeStatus {
        refused = refused == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(refused));
        models = models == null ? List.of() : List.copyOf(models);
    }

    /** The totals only (an older bridge). */
    public BridgeStatus(long requests, long promptTokens, long completionTokens, long streamsWithoutUsage) {
        this(requests, promptTokens, completionTokens, streamsWithoutUsage, Map.of(), List.of(), null);
    }

    /** Usage of one model since start. */
    @JsonPropertyOrder({"model", "requests", "promptTokens", "completionTokens"})
    public record ModelUsage(String model, long requests, long promptTokens, long completionTokens) {
    }
}
