package dev.agentsandbox.sidecar.bridge;

import dev.agentsandbox.sidecar.contract.BridgeConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelPolicyTest {

    private final ModelPolicy policy = new ModelPolicy("ai/qwen2.5", List.of("ai/qwen2.5", "ai/gpt-oss"));

    @Test
    void defaultFillsInAMissingOrBlankModel() {
        assertThat(policy.decide(null).model()).isEqualTo("ai/qwen2.5");
        assertThat(policy.decide(" ").model()).isEqualTo("ai/qwen2.5");
    }

    @Test
    void listedModelPassesUnchanged() {
        assertThat(policy.decide("ai/gpt-oss")).isEqualTo(new ModelPolicy.Decision("ai/gpt-oss", null));
    }

    @Test
    void unlistedModelIsRefusedNamingTheAllowedOnes() {
        ModelPolicy.Decision decision = policy.decide("ai/llama3.3");

        assertThat(decision.refused()).isTrue();
        assertThat(decision.refusal()).contains("'ai/llama3.3'", "ai/qwen2.5", "ai/gpt-oss");
    }

    @Test
    void aliasesAreNotGuessed() {
        assertThat(policy.decide("ai/qwen2.5:latest").refused()).isTrue();
        assertThat(policy.decide("AI/QWEN2.5").refused()).isTrue();
    }

    @Test
    void withoutDefaultAMissingModelIsRefused() {
        ModelPolicy noDefault = new ModelPolicy(null, List.of("ai/gpt-oss"));

        assertThat(noDefault.decide(null).refusal()).contains("names no model", "ai/gpt-oss");
    }

    @Test
    void configWithOnlyADefaultAllowsOnlyTheDefault() {
        ModelPolicy fromConfig = ModelPolicy.of(new BridgeConfig("http://runner/engines", "ai/smollm2", null, null));

        assertThat(fromConfig.allowed()).containsExactly("ai/smollm2");
        assertThat(fromConfig.decide("ai/gpt-oss").refused()).isTrue();
    }

    @Test
    void noModelAtAllIsAConfigurationError() {
        assertThatThrownBy(() -> new ModelPolicy(null, List.of()))
                .hasMessageContaining("--default-model").hasMessageContaining("allowedModels");
    }

    @Test
    void defaultOutsideTheListIsAConfigurationError() {
        assertThatThrownBy(() -> new ModelPolicy("ai/a", List.of("ai/b")))
                .hasMessageContaining("defaultModel 'ai/a' is not in allowedModels");
    }
}
