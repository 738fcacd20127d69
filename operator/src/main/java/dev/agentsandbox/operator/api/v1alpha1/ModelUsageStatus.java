package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Usage copied from the model bridge's status endpoint. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelUsageStatus(
        @JsonPropertyDescription("Inference requests forwarded to the Model Runner.") Long requests,
        @JsonPropertyDescription("Prompt tokens counted from responses.") Long promptTokens,
        @JsonPropertyDescription("Completion tokens counted from responses.") Long completionTokens,
        @JsonPropertyDescription("Streamed answers that reported no token usage (a runner that ignores "
                + "stream_options.include_usage); their tokens are estimated and included in the counts above.")
        Long streamsWithoutUsage) {
}
