package dev.agentsandbox.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class CrdInChartTest {

    private static final Path CHART_CRDS = RepositoryFiles.CHART.resolve("crds");

    @Test
    void chartCarriesExactlyTheGeneratedCrd() throws IOException {
        try (Stream<Path> files = Files.list(CHART_CRDS)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactly(RepositoryFiles.CRD.getFileName().toString());
        }
        assertThat(Files.readAllBytes(CHART_CRDS.resolve(RepositoryFiles.CRD.getFileName())))
                .as("charts/agentsandbox-operator/crds/ must be a byte-for-byte copy of crds/: cp crds/*.yml %s",
                        RepositoryFiles.ROOT.relativize(CHART_CRDS))
                .isEqualTo(Files.readAllBytes(RepositoryFiles.CRD));
    }

    @Test
    void helmInstallsTheAgentSandboxCrd() {
        String shown = new Helm(RepositoryFiles.CHART).show().crds().call();
        List<HasMetadata> crds = RenderedChart.parse(shown);

        assertThat(crds).singleElement().isInstanceOfSatisfying(CustomResourceDefinition.class, crd -> {
            assertThat(crd.getMetadata().getName()).isEqualTo("agentsandboxes.agentsandbox.dev");
            assertThat(crd.getSpec().getNames().getKind()).isEqualTo("AgentSandbox");
            assertThat(crd.getSpec().getVersions()).extracting(v -> v.getName()).containsExactly("v1alpha1");
        });
    }
}
