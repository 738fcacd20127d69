package dev.agentsandbox.sidecar.bridge;

import dev.agentsandbox.sidecar.contract.BridgeConfig;

import java.util.List;

/**
 * Which models the agent may use: the bridge's model allow list. The one place that decides it.
 *
 * <p>Names are compared exactly, as written in the sandbox spec: the runner itself would accept aliases (a missing
 * {@code :latest}, a {@code docker.io/} prefix), but an allow list that guessed at aliases could be talked around.
 */
public final class ModelPolicy {

    private final String defaultModel;
    private final List<String> allowed;

    public ModelPolicy(String defaultModel, List<String> allowed) {
        this.defaultModel = defaultModel == null || defaultModel.isBlank() ? null : defaultModel;
        this.allowed = List.copyOf(allowed);
        if (this.allowed.isEmpty()) {
            throw new IllegalArgumentException("no model is allowed: set defaultModel or allowedModels in "
                    + BridgeConfig.FILE_NAME + " (flags: --default-model, --allow-model)");
        }
        if (this.defaultModel != null && !this.allowed.contains(this.defaultModel)) {
            throw new IllegalArgumentException("defaultModel '" + this.defaultModel + "' is not in allowedModels "
                    + this.allowed + ": add it to the list or choose a listed model as the default");
        }
    }

    public static ModelPolicy of(BridgeConfig config) {
        return new ModelPolicy(config.defaultModel(), config.effectiveAllowedModels());
    }

    /**
     * The model a request runs on.
     *
     * @param requested the request's {@code model}, or null/blank when it names none
     * @return the model to send upstream, or a refusal naming the allowed models
     */
    public Decision decide(String requested) {
        if (requested == null || requested.isBlank()) {
            return defaultModel != null ? new Decision(defaultModel, null)
                    : new Decision(null, "the request names no model and the bridge has no default model: set"
                            + " \"model\" to one of " + allowed);
        }
        if (allowed.contains(requested)) {
            return new Decision(requested, null);
        }
        return new Decision(null, "model '" + requested + "' is not allowed in this sandbox; allowed models: "
                + allowed);
    }

    public boolean isAllowed(String model) {
        return allowed.contains(model);
    }

    public List<String> allowed() {
        return allowed;
    }

    /** Either the model to use or the reason for refusing the request. */
    public record Decision(String model, String refusal) {
        public boolean refused() {
            return refusal != null;
        }
    }
}
