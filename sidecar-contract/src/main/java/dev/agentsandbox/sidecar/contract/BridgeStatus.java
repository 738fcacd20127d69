package dev.agentsandbox.sidecar.contract;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

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
 */
@JsonPropertyOrder({"requests", "promptTokens", "completionTokens", "streamsWithoutUsage"})
public record BridgeStatus(long requests, long promptTokens, long completionTokens, long streamsWithoutUsage) {
}
