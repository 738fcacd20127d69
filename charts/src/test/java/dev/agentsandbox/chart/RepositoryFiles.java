package dev.agentsandbox.chart;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Files of the repository the tests check: the chart, the CRD, the examples, the image build definitions and the README. */
final class RepositoryFiles {

    static final Path ROOT = Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();
    static final Path CHART = ROOT.resolve("charts/agentsandbox-operator");
    static final Path CRD = ROOT.resolve("crds/agentsandboxes.agentsandbox.dev-v1.yml");
    static final Path EXAMPLES = ROOT.resolve("examples");
    static final Path README = ROOT.resolve("README.md");

    private RepositoryFiles() {
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(String relativePath) {
        return read(ROOT.resolve(relativePath));
    }
}
