package dev.agentsandbox.operator.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.ControlPlaneExtension;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Every case of {@code invalid-agentsandboxes.yaml} (AgentSandboxes, and the templates and pools they use) is
 * refused by a real API server with the message of the rule that catches it: the CRD's CEL rules, patterns, enums and limits, as users meet them in {@code kubectl apply}.
 */
@ExtendWith(ControlPlaneExtension.class)
class InvalidAgentSandboxIT {

    static final String TABLE = "/invalid-agentsandboxes.yaml";
    private static final ObjectMapper YAML = new YAMLMapper();
    private static final AtomicInteger NAMES = new AtomicInteger();

    private static KubernetesClient client;
    private static String namespace;

    record InvalidCase(String name, String kind, String field, String message, Map<String, Object> spec) {
    }

    @BeforeAll
    static void installCrd(KubernetesClient kubernetes) {
        client = kubernetes;
        ClusterFixtures.installCrd(client);
        namespace = ClusterFixtures.freshNamespace(client, "invalid");
    }

    @Test
    void theTableCoversAtLeast25Cases() throws IOException {
        assertThat(cases()).hasSizeGreaterThanOrEqualTo(25)
                .extracting(InvalidCase::name).doesNotHaveDuplicates();
    }

    @TestFactory
    Stream<DynamicTest> eachInvalidSandboxIsRefusedWithTheMessageOfItsRule() throws IOException {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> assertRefused(c)));
    }

    @ParameterizedTest(name = "storageClassName {0} -> {1}")
    @CsvSource(nullValues = "(none)", value = {"fast, slow", "fast, (none)", "(none), fast"})
    void storageClassNameCannotChangeAfterCreation(String before, String after) {
        String name = "immutable-class-" + NAMES.incrementAndGet();
        // One field manager throughout, so that leaving the field out of an apply removes it.
        client.resource(sandbox(name, workspaceSpec("registry.test/agent:1", before)))
                .fieldManager(ClusterFixtures.TEST_FIELD_MANAGER).serverSideApply();

        KubernetesClientException refused = catchThrowableOfType(KubernetesClientException.class,
                () -> client.resource(sandbox(name, workspaceSpec("registry.test/agent:1", after)))
                        .fieldManager(ClusterFixtures.TEST_FIELD_MANAGER).forceConflicts().serverSideApply());

        assertThat(refused).as("storageClassName %s -> %s was accepted", before, after).isNotNull();
        assertThat(refused.getCode()).isEqualTo(422);
        assertThat(refused.getStatus().getMessage()).contains("spec.workspace.storageClassName: ")
                .contains("spec.workspace.storageClassName is immutable: delete and recreate the sandbox to change it");

        // The rule guards that one field only: other changes of the same sandbox still go through.
        client.resource(sandbox(name, workspaceSpec("registry.test/agent:2", before)))
                .fieldManager(ClusterFixtures.TEST_FIELD_MANAGER).forceConflicts().serverSideApply();
    }

    private static Map<String, Object> workspaceSpec(String image, String storageClassName) {
        Map<String, Object> workspace = new java.util.LinkedHashMap<>(Map.of("size", "1Gi"));
        if (storageClassName != null) {
            workspace.put("storageClassName", storageClassName);
        }
        return Map.of("agent", Map.of("image", image), "workspace", workspace);
    }

    private static void assertRefused(InvalidCase invalid) {
        GenericKubernetesResource sandbox = object(invalid.kind(), "invalid-" + NAMES.incrementAndGet(),
                invalid.spec());

        // A server-side dry run runs the whole validation (schema, CEL) and stores nothing.
        KubernetesClientException refused = catchThrowableOfType(KubernetesClientException.class,
                () -> client.resource(sandbox).dryRun().create());

        assertThat(refused).as("%s: the API server accepted it", invalid.name()).isNotNull();
        assertThat(refused.getCode()).as(invalid.name()).isEqualTo(422);
        assertThat(refused.getStatus().getMessage()).as(invalid.name())
                .contains(invalid.field() + ": ")
                .contains(invalid.message());
    }

    static GenericKubernetesResource sandbox(String name, Map<String, Object> spec) {
        return object(AgentSandbox.KIND, name, spec);
    }

    /** An AgentSandbox, AgentSandboxTemplate or AgentSandboxPool, untyped: the API server sees exactly this. */
    static GenericKubernetesResource object(String kind, String name, Map<String, Object> spec) {
        GenericKubernetesResourceBuilder builder = new GenericKubernetesResourceBuilder()
                .withApiVersion(AgentSandbox.GROUP + "/" + AgentSandbox.VERSION)
                .withKind(kind)
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata();
        if (spec != null) {
            builder.addToAdditionalProperties("spec", spec);
        }
        return builder.build();
    }

    @SuppressWarnings("unchecked")
    static List<InvalidCase> cases() throws IOException {
        try (InputStream table = InvalidAgentSandboxIT.class.getResourceAsStream(TABLE)) {
            assertThat(table).as(TABLE).isNotNull();
            return YAML.readerFor(JsonNode.class).<JsonNode>readValues(table).readAll().stream()
                    .map(doc -> new InvalidCase(doc.path("case").asText(),
                            doc.path("kind").asText(AgentSandbox.KIND), doc.path("field").asText(),
                            doc.path("message").asText(),
                            doc.has("spec") ? YAML.convertValue(doc.get("spec"), Map.class) : null))
                    .toList();
        }
    }
}
