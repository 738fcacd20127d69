package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Usage copied from the model bridge's status endpoint, and the bridge container's restarts. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelUsageStatus(
        @JsonPropertyDescription("Inference requests forwarded to the Model Runner.") Long requests,
        @JsonPropertyDescription("Prompt tokens counted from responses.") Long promptTokens,
        @JsonPropertyDescription("Completion tokens counted from responses.") Long completionTokens,
        @JsonPropertyDescription("Streamed answers that reported no token usage (a runner that ignores "
                + "stream_options.include_usage); their tokens are estimated and included in the counts above.")
        Long streamsWithoutUsage,
        @JsonPropertyDescription("Prompt plus completion tokens: what spec.model.tokenBudget counts.")
        Long tokensUsed,
        @JsonPropertyDescription("Requests the bridge answered itself since it started, by error code, e.g."
                + " model_not_allowed, token_budget_exceeded.")
        @JsonInclude(JsonInclude.Include.NON_EMPTY)
        Map<String, Long> refused,
        @JsonPropertyDescription("Requests and tokens per model since the bridge started.")
        @JsonInclude(JsonInclude.Include.NON_EMPTY)
        List<ModelUsage> models,
        @JsonPropertyDescription("Times the model-bridge container restarted; its counters start again from zero.")
        Integer restarts,
        @JsonPropertyDescription("The agent's latest request to the model bridge, forwarded or refused (RFC 3339):"
                + " what spec.lifecycle.idleTimeout measures.")
        String lastActivity) {

    public ModelUsageStatus {
        refused = refused == null ? new LinkedHashMap<>() : refused;
        models = models == null ? new ArrayList<>() : models;
    }

    /** The bridge's three counters; {@code tokensUsed} is their sum, so a printer column can show it. */
    public ModelUsageStatus(Long requests, Long promptTokens, Long completionTokens) {
        this(requests, promptTokens, completionTokens, null);
    }

    /** The bridge's totals (an older bridge, or one that reports nothing per model). */
    public ModelUsageStatus(Long requests, Long promptTokens, Long completionTokens, Long streamsWithoutUsage) {
        this(requests, promptTokens, completionTokens, streamsWithoutUsage, null, null, null);
    }

    /** Everything the bridge reports; {@code tokensUsed} is the sum of the two token counts. */
    public ModelUsageStatus(Long requests, Long promptTokens, Long completionTokens, Long streamsWithoutUsage,
                            Map<String, Long> refused, List<ModelUsage> models, String lastActivity) {
        this(requests, promptTokens, completionTokens, streamsWithoutUsage,
                promptTokens == null || completionTokens == null ? null : promptTokens + completionTokens, refused,
                models, null, lastActivity);
    }

    /** The same counters with the bridge container's restart count. */
    public ModelUsageStatus withRestarts(Integer count) {
        return new ModelUsageStatus(requests, promptTokens, completionTokens, streamsWithoutUsage, tokensUsed, refused,
                models, count, lastActivity);
    }

    /** Usage of one model. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ModelUsage(
            @JsonPropertyDescription("The model, one of spec.model.allowed.") String model,
            @JsonPropertyDescription("Requests forwarded for it.") Long requests,
            @JsonPropertyDescription("Prompt tokens.") Long promptTokens,
            @JsonPropertyDescription("Completion tokens.") Long completionTokens) {
    }
}
