package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Usage copied from the model bridge's status endpoint. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelUsageStatus(
        @JsonPropertyDescription("Inference requests forwarded to the Model Runner.") Long requests,
        @JsonPropertyDescription("Prompt tokens counted from responses.") Long promptTokens,
        @JsonPropertyDescription("Completion tokens counted from responses.") Long completionTokens,
        @JsonPropertyDescription("Prompt plus completion tokens: what spec.model.tokenBudget counts.")
        Long tokensUsed) {

    /** The bridge's three counters; {@code tokensUsed} is their sum, so a printer column can show it. */
    public ModelUsageStatus(Long requests, Long promptTokens, Long completionTokens) {
        this(requests, promptTokens, completionTokens, promptTokens == null || completionTokens == null ? null
                : promptTokens + completionTokens);
    }
}
