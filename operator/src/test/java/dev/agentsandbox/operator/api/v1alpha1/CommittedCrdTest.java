package dev.agentsandbox.operator.api.v1alpha1;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The CRD committed under crds/ (what users and the chart install) is exactly what the Java model generates. */
class CommittedCrdTest {

    static final String REGENERATE = "./mvnw -pl operator -am process-classes && cp operator/target/kubernetes/"
            + GeneratedCrd.FILE_NAME + " crds/";

    @Test
    void committedCrdMatchesTheJavaModel() throws IOException {
        Path committed = AgentSandboxModelTest.repositoryFile("crds/" + GeneratedCrd.FILE_NAME);

        assertThat(committed).as("committed CRD").exists();
        assertThat(Files.readString(committed))
                .as("crds/%s differs from the CRD generated from the Java model; regenerate it with: %s",
                        GeneratedCrd.FILE_NAME, REGENERATE)
                .isEqualTo(Files.readString(GeneratedCrd.path()));
    }
}
