package dev.agentsandbox.sidecar.contract;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * The model bridge's {@code /status} document (admin port {@link SidecarPorts#BRIDGE_ADMIN}); the operator copies it
 * into the sandbox's {@code status.model}. A reader ignores fields it does not know: a newer sidecar may add some.
 *
 * @param requests         inference requests forwarded to the runner since start
 * @param promptTokens     prompt tokens the runner reported
 * @param completionTokens completion tokens the runner reported
 */
@JsonPropertyOrder({"requests", "promptTokens", "completionTokens"})
public record BridgeStatus(long requests, long promptTokens, long completionTokens) {
}
