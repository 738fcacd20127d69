package dev.agentsandbox.sidecar.contract;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Objects;

/**
 * The model bridge's settings.
 *
 * <p>Example ({@code bridge.json}):
 * <pre>{@code
 * {
 *   "upstream": "http://docker-model-runner.model-runner.svc:80/engines/llama.cpp",
 *   "defaultModel": "ai/qwen2.5:7B-Q4_K_M",
 *   "allowedModels": ["ai/qwen2.5:7B-Q4_K_M", "ai/gpt-oss:20B-UD-Q4_K_XL"],
 *   "tokenBudget": 2000000
 * }
 * }</pre>
 *
 * @param upstream      the Model Runner engine base URL; the bridge appends the inference path ({@code /v1/...})
 * @param defaultModel  the model filled in when a request names none
 * @param allowedModels the models a request may name; empty means only {@code defaultModel}
 * @param tokenBudget   prompt plus completion tokens after which the bridge answers 429; null for no budget
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record BridgeConfig(String upstream, String defaultModel, List<String> allowedModels, Long tokenBudget) {

    /** The key of the sidecar ConfigMap and the file name the bridge reads. */
    public static final String FILE_NAME = "bridge.json";

    public BridgeConfig {
        Objects.requireNonNull(upstream, "bridge upstream");
        allowedModels = allowedModels == null ? List.of() : List.copyOf(allowedModels);
        if (tokenBudget != null && tokenBudget <= 0) {
            throw new IllegalArgumentException("tokenBudget must be greater than 0");
        }
    }

    /** The models a request may name: {@code allowedModels}, or only the default when that list is empty. */
    public List<String> effectiveAllowedModels() {
        if (!allowedModels.isEmpty()) {
            return allowedModels;
        }
        return defaultModel == null ? List.of() : List.of(defaultModel);
    }
}
