package dev.agentsandbox.operator.config;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SettingDefaultsTest {

    @Test
    void everySettingHasItsDefaultUnderItsPropertyName() {
        assertThat(SettingDefaults.all())
                .containsEntry("agentsandbox.runtime-class.default", "kata")
                .containsEntry("agentsandbox.runtime-class.allowed", "kata,gvisor")
                .containsEntry("agentsandbox.enforcement-mode", "networkpolicy")
                .containsEntry("agentsandbox.operator.namespace", "${POD_NAMESPACE:agentsandbox-system}")
                .containsKeys("agentsandbox.model-runner.target-port", "agentsandbox.leader-election.lease-name")
                .hasSize(17);
    }

    /** The operator's namespace defaults to the pod's, where the environment tells it. */
    @Test
    void theDefaultNamespaceIsThePodsWhenKnown() {
        assertThat(operatorNamespaceUnder(Map.of("POD_NAMESPACE", "team-ops"))).isEqualTo("team-ops");
        assertThat(operatorNamespaceUnder(Map.of())).isEqualTo("agentsandbox-system");
    }

    private static String operatorNamespaceUnder(Map<String, String> environment) {
        return new SmallRyeConfigBuilder().addDefaultInterceptors()
                .withSources(new EnvConfigSource(environment, 300))
                .withConverter(Duration.class, 100, new DurationConverter())
                .withMapping(OperatorConfig.class)
                .build().getConfigMapping(OperatorConfig.class).operator().namespace();
    }
}
