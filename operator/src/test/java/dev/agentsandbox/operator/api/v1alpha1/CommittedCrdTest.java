package dev.agentsandbox.operator.api.v1alpha1;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The CRD committed under crds/ (what users and the chart install) is exactly what the Java model generates. */
class CommittedCrdTest {

    static final String REGENERATE = "./mvnw -pl operator -am process-classes && cp operator/target/kubernetes/*-v1.yml"
            + " crds/ && cp crds/*.yml charts/agentsandbox-operator/crds/";

    @ParameterizedTest
    @ValueSource(strings = {AgentSandbox.PLURAL, AgentSandboxTemplate.PLURAL, AgentSandboxPool.PLURAL})
    void committedCrdMatchesTheJavaModel(String plural) throws IOException {
        String file = plural + "." + AgentSandbox.GROUP + "-v1.yml";
        Path committed = AgentSandboxModelTest.repositoryFile("crds/" + file);

        assertThat(committed).as("committed CRD").exists();
        assertThat(Files.readString(committed))
                .as("crds/%s differs from the CRD generated from the Java model; regenerate it with: %s",
                        file, REGENERATE)
                .isEqualTo(Files.readString(GeneratedCrd.path().resolveSibling(file)));
    }
}
