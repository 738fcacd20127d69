package dev.agentsandbox.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxSpec;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxTemplate;
import dev.agentsandbox.operator.api.v1alpha1.CredentialSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every example is valid YAML, and every AgentSandbox in it matches the operator's API exactly. */
class ExamplesTest {

    private static final ObjectMapper STRICT = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    static Stream<Path> examples() throws IOException {
        try (Stream<Path> files = Files.list(RepositoryFiles.EXAMPLES)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @Test
    void theDocumentedExamplesExist() throws IOException {
        assertThat(examples().map(p -> p.getFileName().toString())).contains(
                "reference.yaml", "openclaw-local-model.yaml", "openclaw-cloud-anthropic.yaml", "claude-code.yaml",
                "gvisor.yaml", "warm-pool.yaml");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void agentSandboxesDeserializeStrictlyIntoTheApi(Path example) throws IOException {
        List<AgentSandbox> sandboxes = sandboxes(example);

        assertThat(sandboxes).as("AgentSandboxes in %s", example.getFileName()).isNotEmpty();
        Map<String, AgentSandboxTemplate> templates = new HashMap<>();
        for (JsonNode document : YamlDocuments.ofKind(example, AgentSandboxTemplate.KIND)) {
            AgentSandboxTemplate template = STRICT.treeToValue(document, AgentSandboxTemplate.class);
            templates.put(template.getMetadata().getName(), template);
        }
        assertThat(sandboxes).allSatisfy(sandbox -> {
            assertThat(sandbox.getMetadata().getName()).isNotBlank();
            // A sandbox of a template takes its agent from the template, which the file must bring.
            AgentSandboxSpec podSpec = sandbox.getSpec().getTemplateRef() == null ? sandbox.getSpec()
                    : templates.get(sandbox.getSpec().getTemplateRef().getName()).getSpec();
            assertThat(podSpec.getAgent().getImage()).isNotBlank();
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void noExampleDependsOnTheDateItIsAppliedOn(Path example) throws IOException {
        // A shutdownTime, however far away, is the day every copy of the example turns Expired.
        assertThat(sandboxes(example)).allSatisfy(sandbox -> assertThat(
                sandbox.getSpec().getLifecycle() == null ? null : sandbox.getSpec().getLifecycle().getShutdownTime())
                .as("%s: AgentSandbox %s has spec.lifecycle.shutdownTime; show it in a comment instead",
                        example.getFileName(), sandbox.getMetadata().getName())
                .isNull());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void everyCredentialSecretIsDefinedInTheFileOrNamedInItsComments(Path example) throws IOException {
        String text = RepositoryFiles.read(example);
        List<String> definedSecrets = YamlDocuments.ofKind(example, "Secret").stream()
                .map(d -> d.path("metadata").path("name").asText())
                .toList();

        for (AgentSandbox sandbox : sandboxes(example)) {
            List<CredentialSpec> credentials = sandbox.getSpec().getCredentials();
            for (CredentialSpec credential : credentials == null ? List.<CredentialSpec>of() : credentials) {
                String secret = credential.getSecretRef().getName();
                assertThat(definedSecrets.contains(secret) || commentsOf(text).contains(secret))
                        .as("%s: Secret %s of credential %s is neither in the file nor explained in its comments",
                                example.getFileName(), secret, credential.getName())
                        .isTrue();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void secretsInExamplesHoldOnlyPlaceholders(Path example) throws IOException {
        for (JsonNode secret : YamlDocuments.ofKind(example, "Secret")) {
            assertThat(secret.path("data").isMissingNode()).as("use stringData with a placeholder").isTrue();
            secret.path("stringData").forEach(value -> assertThat(value.asText()).isEqualTo("replace-me"));
        }
    }

    private static List<AgentSandbox> sandboxes(Path example) throws IOException {
        List<AgentSandbox> sandboxes = new ArrayList<>();
        for (JsonNode document : YamlDocuments.ofKind(example, AgentSandbox.KIND)) {
            assertThat(document.path("apiVersion").asText()).isEqualTo(AgentSandbox.GROUP + "/" + AgentSandbox.VERSION);
            sandboxes.add(STRICT.treeToValue(document, AgentSandbox.class));
        }
        return sandboxes;
    }

    private static String commentsOf(String yaml) {
        StringBuilder comments = new StringBuilder();
        for (String line : yaml.split("\n")) {
            int hash = line.indexOf('#');
            if (hash >= 0) {
                comments.append(line, hash, line.length()).append('\n');
            }
        }
        return comments.toString();
    }
}
