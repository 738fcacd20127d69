package dev.agentsandbox.operator.config;

import dev.agentsandbox.operator.api.v1alpha1.EgressEnforcement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnforcementModeConverterTest {

    private final EnforcementModeConverter converter = new EnforcementModeConverter();

    /** The chart's values and the README spell the mode in lower case; the CRD's spelling is accepted too. */
    @ParameterizedTest
    @CsvSource({"networkpolicy,NETWORK_POLICY", "NetworkPolicy,NETWORK_POLICY", "iptables,IPTABLES",
            "' Iptables ',IPTABLES"})
    void readsTheApiNamesInAnyCase(String value, EgressEnforcement mode) {
        assertThat(converter.convert(value)).isEqualTo(mode);
        assertThat(converter.convert(mode.configName())).isEqualTo(mode);
    }

    @Test
    void anUnknownModeNamesTheSettingAndTheChoices() {
        assertThatThrownBy(() -> converter.convert("network_policy"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("agentsandbox.enforcement-mode: unknown mode 'network_policy'; use one of networkpolicy,"
                        + " iptables");
    }
}
