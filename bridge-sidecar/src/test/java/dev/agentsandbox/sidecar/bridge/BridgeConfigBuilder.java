package dev.agentsandbox.sidecar.bridge;

import dev.agentsandbox.sidecar.contract.BridgeConfig;

import java.util.ArrayList;
import java.util.List;

/** Test shorthand for a {@link BridgeConfig} with only a default model unless told otherwise. */
final class BridgeConfigBuilder {

    private final String upstream;
    private String defaultModel = BridgeHarness.QWEN;
    private final List<String> allowed = new ArrayList<>();
    private Long tokenBudget;

    BridgeConfigBuilder(String upstream) {
        this.upstream = upstream;
    }

    BridgeConfigBuilder defaultModel(String model) {
        this.defaultModel = model;
        return this;
    }

    BridgeConfigBuilder allow(String... models) {
        allowed.addAll(List.of(models));
        return this;
    }

    BridgeConfigBuilder tokenBudget(long budget) {
        this.tokenBudget = budget;
        return this;
    }

    BridgeConfig build() {
        return new BridgeConfig(upstream, defaultModel, allowed, tokenBudget);
    }
}
