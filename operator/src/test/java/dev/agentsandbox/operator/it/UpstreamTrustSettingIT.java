package dev.agentsandbox.operator.it;

import dev.agentsandbox.operator.dependent.SandboxObjects;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.ControlPlaneExtension;
import dev.agentsandbox.operator.testing.EmbeddedControlPlane;
import dev.agentsandbox.operator.testing.OperatorProcess;
import dev.agentsandbox.sidecar.contract.SidecarMounts;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.agentsandbox.operator.it.Sandboxes.CONVERGENCE;
import static dev.agentsandbox.operator.testing.ClusterFixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code agentsandbox.upstream-trust-file} in the packaged operator: a bad file stops it at start naming the
 * setting (a platform setting, fixed once by the platform team: better than sandboxes whose proxies fail every
 * intercepted request); a good one reaches every sandbox's proxy.
 */
@ExtendWith(ControlPlaneExtension.class)
class UpstreamTrustSettingIT {

    private static final String SETTING = "agentsandbox.upstream-trust-file";

    @Test
    void aFileWithoutACertificateStopsTheOperatorAtStartNamingTheSetting(EmbeddedControlPlane plane,
                                                                        @TempDir Path dir) throws IOException {
        assumeTrue(plane.isComplete(), plane.binaries().whyIncomplete());
        ClusterFixtures.prepareForOperator(plane.client());
        Path notPem = Files.writeString(dir.resolve("ca.crt"), "the corporate root CA\n");

        assertThatThrownBy(() -> OperatorProcess.start(plane, "operator-upstream-trust-not-pem",
                Map.of(SETTING, notPem.toString()))).hasMessageContaining("exited with code");
        assertThat(Files.readString(plane.workDir().resolve("logs/operator-upstream-trust-not-pem.log")))
                .contains(SETTING + " (chart: operator.upstreamTrust): " + notPem + " holds no PEM certificate");
    }

    @Test
    void aBundleReachesEverySandboxsProxy(EmbeddedControlPlane plane, @TempDir Path dir) throws IOException {
        assumeTrue(plane.isComplete(), plane.binaries().whyIncomplete());
        KubernetesClient client = plane.client();
        ClusterFixtures.prepareForOperator(client);
        Path bundle = dir.resolve("ca.crt");
        try (InputStream in = UpstreamTrustSettingIT.class.getResourceAsStream("/upstream-trust/two-cas.pem")) {
            Files.write(bundle, in.readAllBytes());
        }
        String namespace = ClusterFixtures.freshNamespace(client, "upstream-trust");

        try (OperatorProcess operator = OperatorProcess.start(plane, "operator-upstream-trust",
                Map.of(SETTING, bundle.toString()))) {
            Sandboxes.apply(client, namespace, "a");
            eventually(CONVERGENCE).untilAsserted(() -> {
                ConfigMap config = client.configMaps().inNamespace(namespace)
                        .withName(SandboxObjects.configMapName("a")).get();
                assertThat(config).isNotNull();
                assertThat(config.getData().get(SidecarMounts.UPSTREAM_TRUST_FILE_NAME))
                        .contains("-----BEGIN CERTIFICATE-----").doesNotContain("#");
                Pod pod = client.pods().inNamespace(namespace).withName(SandboxObjects.podName("a")).get();
                assertThat(pod).isNotNull();
                assertThat(String.join(" ", pod.getSpec().getInitContainers().stream()
                        .filter(c -> c.getName().equals("egress-proxy")).findFirst().orElseThrow().getArgs()))
                        .contains("--trust-bundle " + SidecarMounts.UPSTREAM_TRUST);
            });
        }
    }
}
