package dev.agentsandbox.operator.plan;

import dev.agentsandbox.operator.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The operator's settings become each container's requests and limits; a malformed one stops the operator. */
class SidecarResourcesTest {

    @Test
    void memoryIsRequestedAndLimitedAlikeAndCpuOnlyRequested() {
        SidecarResources resources = SidecarResources.from(sidecarUnder(Map.of(
                "AGENTSANDBOX_SIDECAR_PROXY_MEMORY", "300Mi", "AGENTSANDBOX_SIDECAR_BRIDGE_CPU", "0.5")));

        assertThat(resources.proxy().getLimits()).containsOnlyKeys("memory")
                .containsEntry("memory", new Quantity("300Mi"));
        assertThat(resources.proxy().getRequests()).containsEntry("memory", new Quantity("300Mi"));
        assertThat(resources.bridge().getRequests()).containsEntry("cpu", new Quantity("0.5"));
        for (ResourceRequirements each : new ResourceRequirements[] {resources.proxy(), resources.bridge(),
                resources.egressInit()}) {
            assertThat(each.getRequests()).containsOnlyKeys("cpu", "memory");
            assertThat(each.getLimits().get("memory")).isEqualTo(each.getRequests().get("memory"));
        }
    }

    @Test
    void aMalformedQuantityNamesTheSetting() {
        OperatorConfig.Sidecar config = sidecarUnder(Map.of("AGENTSANDBOX_SIDECAR_EGRESS_INIT_MEMORY", "lots"));

        assertThatThrownBy(() -> SidecarResources.from(config))
                .hasMessageContaining("agentsandbox.sidecar.egress-init-memory").hasMessageContaining("'lots'");
        assertThatThrownBy(() -> SidecarResources.from(sidecarUnder(Map.of("AGENTSANDBOX_SIDECAR_PROXY_CPU", "0"))))
                .hasMessageContaining("agentsandbox.sidecar.proxy-cpu");
    }

    private static OperatorConfig.Sidecar sidecarUnder(Map<String, String> environment) {
        return new SmallRyeConfigBuilder().addDefaultInterceptors()
                .withSources(new EnvConfigSource(environment, 300))
                .withConverter(Duration.class, 100, new DurationConverter())
                .withMapping(OperatorConfig.class)
                .build().getConfigMapping(OperatorConfig.class).sidecar();
    }
}
