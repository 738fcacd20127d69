package dev.agentsandbox.operator.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LabelSelectorsTest {

    @Test
    void parsesKeyValueEntries() {
        assertThat(LabelSelectors.parse("p", List.of("app.kubernetes.io/name=op", "tier = control")))
                .containsExactly(java.util.Map.entry("app.kubernetes.io/name", "op"), java.util.Map.entry("tier", "control"));
    }

    @Test
    void refusesEntriesWithoutValueAndEmptySelectorsNamingTheProperty() {
        assertThatThrownBy(() -> LabelSelectors.parse("agentsandbox.operator.pod-selector", List.of("app")))
                .hasMessageContaining("agentsandbox.operator.pod-selector").hasMessageContaining("key=value");
        assertThatThrownBy(() -> LabelSelectors.parse("agentsandbox.operator.pod-selector", List.of()))
                .hasMessageContaining("at least one label");
    }
}
