package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import java.util.ArrayList;
import java.util.List;

/** The agent's local model endpoint, bridged to a cluster Model Runner. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = "!has(self.allowed) || size(self.allowed) == 0 || (has(self.default) && self.default in self.allowed)",
        message = "spec.model.default must be one of spec.model.allowed: add it to allowed or choose a listed model",
        fieldPath = ".default")
public class ModelSpec {

    @JsonPropertyDescription("The Model Runner service to bridge to. Omitted fields take the operator's defaults.")
    private RunnerRef runner;

    @JsonProperty("default")
    @JsonPropertyDescription("The model used when a request names none, e.g. ai/qwen2.5:7B-Q4_K_M. Required unless"
            + " the sandbox takes its model from a template (spec.templateRef).")
    @Size(min = 1, max = 256)
    private String defaultModel;

    @JsonPropertyDescription("Models a request may name. Empty: only the default model.")
    @Size(max = 64)
    private List<String> allowed = new ArrayList<>();

    @JsonPropertyDescription("Prompt plus completion tokens the sandbox may use; once spent the bridge answers 429."
            + " Omitted: no budget.")
    @ValidationRule(value = "self > 0", message = "spec.model.tokenBudget must be greater than 0; omit it for no budget")
    private Long tokenBudget;

    public RunnerRef getRunner() {
        return runner;
    }

    public void setRunner(RunnerRef runner) {
        this.runner = runner;
    }

    public String getDefaultModel() {
        return defaultModel;
    }

    public void setDefaultModel(String defaultModel) {
        this.defaultModel = defaultModel;
    }

    public List<String> getAllowed() {
        return allowed;
    }

    public void setAllowed(List<String> allowed) {
        this.allowed = allowed == null ? new ArrayList<>() : allowed;
    }

    public Long getTokenBudget() {
        return tokenBudget;
    }

    public void setTokenBudget(Long tokenBudget) {
        this.tokenBudget = tokenBudget;
    }
}
