package dev.agentsandbox.sidecar.bridge;

import dev.agentsandbox.sidecar.contract.BridgeConfig;

/**
 * The bridge's policy as it applies now, built from {@code bridge.json} (or the equivalent flags) and replaced as a
 * whole when the file changes, so a request always sees one consistent version.
 */
public record BridgePolicy(RunnerEndpoints runner, ModelPolicy models, TokenBudget budget) {

    /** Checks the configuration; the exception's message names the field and the fix. */
    public static BridgePolicy from(BridgeConfig config) {
        return new BridgePolicy(RunnerEndpoints.of(config.upstream()), ModelPolicy.of(config),
                new TokenBudget(config.tokenBudget()));
    }
}
