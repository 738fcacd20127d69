package dev.agentsandbox.chart;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.operator.testing.JibDefinition;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The operator and sidecar images have one build definition each: Jib in the module's pom.xml (each module's tests
 * check what goes into its image; ImagesIT in the operator module checks the images it builds). These checks tie
 * those definitions to the chart that deploys them.
 */
class ImageDefinitionsTest {

    private static final String RELEASE_REGISTRY = "ghcr.io/agentsandbox";

    @Test
    void aReleaseBuildNamesTheImagesAsTheChartDeploysThem() {
        String appVersion = ChartMetadata.appVersion();
        RenderedChart chart = RenderedChart.withDefaults();

        assertThat(jib("operator").imageName(RELEASE_REGISTRY, appVersion))
                .isEqualTo(RELEASE_REGISTRY + "/operator:" + appVersion)
                .isEqualTo(OperatorDeploymentTest.operatorContainer(chart).getImage());
        assertThat(OperatorDeploymentTest.env(chart))
                .containsEntry("AGENTSANDBOX_SIDECAR_IMAGE", jib("bridge-sidecar").imageName(RELEASE_REGISTRY,
                        appVersion));
    }

    @Test
    void theOperatorImageRunsAsTheUserTheChartNames() {
        PodSecurityContext pod = RenderedChart.withDefaults().operatorDeployment().getSpec().getTemplate().getSpec()
                .getSecurityContext();

        assertThat(jib("operator").text("user")).isEqualTo(pod.getRunAsUser() + ":" + pod.getRunAsGroup());
        assertThat(pod.getRunAsUser()).isPositive();
    }

    @Test
    void noSecondBuildDefinitionCanDrift() throws Exception {
        try (var files = Files.walk(RepositoryFiles.ROOT)) {
            List<Path> dockerfiles = files.filter(path -> !path.toString().contains("/target/")
                            && !path.toString().contains("/.git/"))
                    .filter(path -> path.getFileName().toString().startsWith("Dockerfile")
                            || path.getFileName().toString().startsWith("Containerfile"))
                    .toList();
            assertThat(dockerfiles).as("images are built by Jib (pom.xml) and hack/build-images.sh only").isEmpty();
        }
    }

    private static JibDefinition jib(String module) {
        return JibDefinition.of(RepositoryFiles.ROOT.resolve(module + "/pom.xml"));
    }
}
