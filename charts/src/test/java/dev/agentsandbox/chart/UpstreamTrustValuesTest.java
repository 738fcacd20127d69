package dev.agentsandbox.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** operator.upstreamTrust: the CA certificates the sandboxes' proxies trust for intercepted upstreams. */
class UpstreamTrustValuesTest {

    private static final String PEM = "-----BEGIN CERTIFICATE-----\nMIIBlTCCATugAwIBAgIUIhJnQo93\n"
            + "-----END CERTIFICATE-----\n";
    private static final String FILE = "/etc/agentsandbox-operator/upstream-trust/ca.crt";

    @TempDir
    Path dir;

    private Path values(String yaml) throws IOException {
        return Files.writeString(dir.resolve("values.yaml"), yaml);
    }

    private static PodSpec pod(RenderedChart chart) {
        return chart.operatorDeployment().getSpec().getTemplate().getSpec();
    }

    private static Container operator(RenderedChart chart) {
        return pod(chart).getContainers().get(0);
    }

    private static Volume trustVolume(RenderedChart chart) {
        return pod(chart).getVolumes().stream().filter(v -> v.getName().equals("upstream-trust")).findFirst()
                .orElseThrow();
    }

    @Test
    void withoutItTheOperatorGetsNoFileAndNothingIsRendered() {
        RenderedChart defaults = RenderedChart.withDefaults();

        assertThat(operator(defaults).getEnv()).extracting(EnvVar::getName)
                .doesNotContain("AGENTSANDBOX_UPSTREAM_TRUST_FILE");
        assertThat(pod(defaults).getVolumes()).noneMatch(v -> v.getName().equals("upstream-trust"));
        assertThat(defaults.all(ConfigMap.class)).noneMatch(c -> c.getMetadata().getName().contains("upstream-trust"));
    }

    @Test
    void inlinePemBecomesAConfigMapMountedIntoTheOperatorAndRollsItWhenChanged() throws IOException {
        RenderedChart chart = RenderedChart.withValuesFile(values(
                "operator:\n  upstreamTrust:\n    pem: |\n" + PEM.indent(6)));

        ConfigMap bundle = chart.named(ConfigMap.class, RenderedChart.RELEASE + "-upstream-trust");
        assertThat(bundle.getData()).containsEntry("ca.crt", PEM);
        assertThat(operator(chart).getEnv()).contains(new EnvVar("AGENTSANDBOX_UPSTREAM_TRUST_FILE", FILE, null));
        assertThat(operator(chart).getVolumeMounts()).anyMatch(m -> m.getName().equals("upstream-trust")
                && m.getMountPath().equals("/etc/agentsandbox-operator/upstream-trust") && m.getReadOnly());
        assertThat(trustVolume(chart).getConfigMap().getName()).isEqualTo(bundle.getMetadata().getName());
        assertThat(chart.operatorDeployment().getSpec().getTemplate().getMetadata().getAnnotations())
                .containsKey("agentsandbox.dev/upstream-trust-sha256");
    }

    @Test
    void anExistingConfigMapIsMountedByItsKey() {
        RenderedChart chart = RenderedChart.withValues(Map.of("operator.upstreamTrust.configMap.name", "corp-ca",
                "operator.upstreamTrust.configMap.key", "root-certs.pem"));

        assertThat(trustVolume(chart).getConfigMap().getName()).isEqualTo("corp-ca");
        assertThat(trustVolume(chart).getConfigMap().getItems()).singleElement()
                .satisfies(item -> {
                    assertThat(item.getKey()).isEqualTo("root-certs.pem");
                    assertThat(item.getPath()).isEqualTo("ca.crt");
                });
        assertThat(operator(chart).getEnv()).contains(new EnvVar("AGENTSANDBOX_UPSTREAM_TRUST_FILE", FILE, null));
    }

    @Test
    void textThatIsNotPemIsRefusedAtInstall() {
        assertThatThrownBy(() -> RenderedChart.template(Map.of("operator.upstreamTrust.pem", "corp-root-ca"), null))
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining("at '/operator/upstreamTrust/pem'");
    }

    @Test
    void bothWaysAtOnceAreRefused() throws IOException {
        Path both = values("operator:\n  upstreamTrust:\n    configMap: {name: corp-ca}\n    pem: |\n" + PEM.indent(6));

        assertThatThrownBy(() -> RenderedChart.template(Map.of(), both))
                .hasMessageContaining("operator.upstreamTrust: give either pem or configMap.name, not both");
    }
}
