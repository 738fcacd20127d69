package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The CRD that the build generated from the Java model (crd-generator-maven-plugin, process-classes phase). */
final class GeneratedCrd {

    static final String FILE_NAME = AgentSandbox.PLURAL + "." + AgentSandbox.GROUP + "-v1.yml";

    private GeneratedCrd() {
    }

    static Path path() {
        return Path.of(System.getProperty("crd.output.directory", "target/kubernetes")).resolve(FILE_NAME);
    }

    static JsonNode read() {
        try {
            return new YAMLMapper().readTree(path().toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("the build did not generate " + path() + ": run ./mvnw -pl operator -am"
                    + " process-classes", e);
        }
    }

    /** The schema of the served version. */
    static JsonNode schema() {
        return read().at("/spec/versions/0/schema/openAPIV3Schema");
    }
}
