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
    void chartCarriesExactlyTheGeneratedCrds() throws IOException {
        List<Path> generated;
        try (Stream<Path> files = Files.list(RepositoryFiles.CRD.getParent())) {
            generated = files.sorted().toList();
        }
        try (Stream<Path> files = Files.list(CHART_CRDS)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrderElementsOf(generated.stream().map(p -> p.getFileName().toString())
                            .toList());
        }
        for (Path crd : generated) {
            assertThat(Files.readAllBytes(CHART_CRDS.resolve(crd.getFileName())))
                    .as("charts/agentsandbox-operator/crds/ must be a byte-for-byte copy of crds/: cp crds/*.yml %s",
                            RepositoryFiles.ROOT.relativize(CHART_CRDS))
                    .isEqualTo(Files.readAllBytes(crd));
        }
    }

    @Test
    void helmInstallsTheAgentSandboxTemplateAndPoolCrds() {
        String shown = new Helm(RepositoryFiles.CHART).show().crds().call();

        // Helm prints the files of crds/ one after the other, without a document separator between them (each is
        // installed as a file of its own): the output names all three.
        assertThat(shown).contains("name: \"agentsandboxes.agentsandbox.dev\"",
                "name: \"agentsandboxtemplates.agentsandbox.dev\"", "name: \"agentsandboxpools.agentsandbox.dev\"",
                "kind: \"AgentSandbox\"", "kind: \"AgentSandboxTemplate\"", "kind: \"AgentSandboxPool\"");
        List<HasMetadata> first = RenderedChart.parse(shown.substring(0, shown.indexOf("# Generated", 1)));
        assertThat(first).singleElement().isInstanceOfSatisfying(CustomResourceDefinition.class, crd ->
                assertThat(crd.getSpec().getVersions()).extracting(v -> v.getName()).containsExactly("v1alpha1"));
    }
}
