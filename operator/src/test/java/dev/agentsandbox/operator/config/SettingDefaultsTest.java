package dev.agentsandbox.operator.config;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** SettingDefaults lists, under each property's name, the default OperatorConfig falls back to. */
class SettingDefaultsTest {

    private static final Map<String, String> DEFAULTS = SettingDefaults.all();

    @Test
    void theDefaultsAreWhatTheOperatorReadsWhenNothingIsSet() {
        OperatorConfig config = configUnder(Map.of());

        assertThat(DEFAULTS).hasSizeGreaterThan(15).allSatisfy((property, value) ->
                assertThat(property).startsWith("agentsandbox.").doesNotContain("[*]"));
        assertThat(config.runtimeClass().defaultName()).isEqualTo(DEFAULTS.get("agentsandbox.runtime-class.default"));
        assertThat(String.join(",", config.runtimeClass().allowed()))
                .isEqualTo(DEFAULTS.get("agentsandbox.runtime-class.allowed"));
        assertThat(config.enforcementMode().configName()).isEqualTo(DEFAULTS.get("agentsandbox.enforcement-mode"));
        assertThat(config.modelRunner().targetPort())
                .isEqualTo(Integer.parseInt(DEFAULTS.get("agentsandbox.model-runner.target-port")));
        assertThat(config.leaderElection().leaseName())
                .isEqualTo(DEFAULTS.get("agentsandbox.leader-election.lease-name"));
    }

    /** The operator's namespace defaults to the pod's where the environment tells it, else to the fallback. */
    @Test
    void theDefaultNamespaceIsThePodsWhenKnown() {
        Matcher fromEnvironment = Pattern.compile("\\$\\{POD_NAMESPACE:([^}]+)}")
                .matcher(DEFAULTS.get("agentsandbox.operator.namespace"));
        assertThat(fromEnvironment.matches()).as("the default reads POD_NAMESPACE").isTrue();

        assertThat(configUnder(Map.of("POD_NAMESPACE", "team-ops")).operator().namespace()).isEqualTo("team-ops");
        assertThat(configUnder(Map.of()).operator().namespace()).isEqualTo(fromEnvironment.group(1));
    }

    private static OperatorConfig configUnder(Map<String, String> environment) {
        return new SmallRyeConfigBuilder().addDefaultInterceptors()
                .withSources(new EnvConfigSource(environment, 300))
                .withConverter(Duration.class, 100, new DurationConverter())
                .withMapping(OperatorConfig.class)
                .build().getConfigMapping(OperatorConfig.class);
    }
}
