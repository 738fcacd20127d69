package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Schema-level assertions on the generated CRD: the validation the API server will apply is really in it.
 * (The cluster tier proves that a real kube-apiserver rejects bad input with these messages.)
 */
class GeneratedCrdTest {

    private final JsonNode crd = GeneratedCrd.read();
    private final JsonNode schema = GeneratedCrd.schema();

    @Test
    void namesTheApiAsDesigned() {
        assertThat(crd.at("/metadata/name").asText()).isEqualTo("agentsandboxes.agentsandbox.dev");
        assertThat(crd.at("/spec/group").asText()).isEqualTo("agentsandbox.dev");
        assertThat(crd.at("/spec/scope").asText()).isEqualTo("Namespaced");
        assertThat(crd.at("/spec/names/kind").asText()).isEqualTo("AgentSandbox");
        assertThat(crd.at("/spec/names/plural").asText()).isEqualTo("agentsandboxes");
        assertThat(crd.at("/spec/names/shortNames/0").asText()).isEqualTo("asb");
        assertThat(crd.at("/spec/versions/0/name").asText()).isEqualTo("v1alpha1");
        assertThat(crd.at("/spec/versions/0/subresources/status").isObject()).as("status subresource").isTrue();
    }

    @Test
    void hasThePrinterColumns() {
        Map<String, String> columns = new java.util.LinkedHashMap<>();
        crd.at("/spec/versions/0/additionalPrinterColumns")
                .forEach(c -> columns.put(c.get("name").asText(), c.get("jsonPath").asText()));

        assertThat(columns).containsOnly(
                Map.entry("Phase", ".status.phase"),
                Map.entry("Runtime", ".status.runtimeClassName"),
                Map.entry("Model", ".spec.model.default"),
                Map.entry("Age", ".metadata.creationTimestamp"),
                Map.entry("Denials", ".status.egress.denied"),
                Map.entry("Tokens", ".status.model.tokensUsed"));
    }

    @Test
    void theCountersAreWideColumnsOnly() {
        Map<String, Integer> priorities = new java.util.LinkedHashMap<>();
        crd.at("/spec/versions/0/additionalPrinterColumns")
                .forEach(c -> priorities.put(c.get("name").asText(), c.path("priority").asInt()));

        // kubectl shows priority 0 always and greater priorities only with -o wide.
        assertThat(priorities).containsEntry("Denials", 1).containsEntry("Tokens", 1).containsEntry("Phase", 0);
    }

    @Test
    void carriesAtLeastTwelveCelRules() {
        assertThat(allRules(schema)).hasSizeGreaterThanOrEqualTo(12);
    }

    @Test
    void everyFieldHasADescriptionForKubectlExplain() {
        List<String> undescribed = new ArrayList<>();
        collectUndescribed(schema.at("/properties/spec"), "spec", undescribed);
        collectUndescribed(schema.at("/properties/status"), "status", undescribed);

        assertThat(undescribed).isEmpty();
    }

    /** Each rule the foundation issue asks for, found at its field, with a message that names the field. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            /properties/spec/properties/egress/properties/allow            | h.matches(  | spec.egress.allow
            /properties/spec/properties/egress/properties/deny             | h.matches(  | spec.egress.deny
            /properties/spec/properties/credentials/items/properties/inject/items/properties/host | self.matches( | inject[].host
            /properties/spec/properties/agent/properties/env/items         | valueFrom   | spec.agent.env[].valueFrom
            /properties/spec/properties/credentials                        | exists_one  | spec.credentials: names must be unique
            /properties/spec/properties/credentials/items/properties/inject/items/properties/format | indexOf('%s') | exactly one %s
            /properties/spec/properties/credentials/items                  | has(self.preset) | or at least one inject rule
            /properties/spec/properties/model/properties/tokenBudget       | self > 0    | spec.model.tokenBudget
            /properties/spec/properties/workspace/properties/size          | isQuantity  | spec.workspace.size
            /properties/spec/properties/model                              | self.default in self.allowed | spec.model.default
            /properties/spec/properties/workspace                          | oldSelf.storageClassName | immutable
            /properties/spec                                               | c.env       | spec.agent.env
            """)
    void ruleIsGeneratedAtItsField(String pointer, String ruleFragment, String messageFragment) {
        JsonNode rules = schema.at(pointer).path("x-kubernetes-validations");

        assertThat(StreamSupport.stream(rules.spliterator(), false))
                .as("rules at %s", pointer)
                .anySatisfy(rule -> {
                    assertThat(rule.get("rule").asText()).contains(ruleFragment);
                    assertThat(rule.get("message").asText()).contains(messageFragment);
                });
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            /properties/spec/properties/lifecycle/properties/mode           | Running,Paused
            /properties/spec/properties/lifecycle/properties/shutdownPolicy | Pause,Delete
            /properties/spec/properties/credentials/items/properties/preset | anthropic,openai,google,github
            /properties/spec/properties/agent/properties/preset             | generic,claude-code,codex,openclaw
            /properties/spec/properties/agent/properties/restartPolicy      | Always,OnFailure,Never
            /properties/status/properties/phase                             | Pending,Starting,Ready,Paused,Expired,Succeeded,Failed
            """)
    void enumsAreClosed(String pointer, String values) {
        List<String> actual = new ArrayList<>();
        schema.at(pointer).path("enum").forEach(v -> actual.add(v.asText()));

        assertThat(actual).containsExactlyInAnyOrder(values.split(","));
    }

    @ParameterizedTest(name = "{0} is required")
    @CsvSource(delimiter = '|', textBlock = """
            /properties/spec/properties/agent                 | image
            /properties/spec/properties/credentials/items     | name
            /properties/spec/properties/credentials/items     | secretRef
            /properties/spec/properties/credentials/items/properties/secretRef | key
            /properties/spec/properties/credentials/items/properties/inject/items | header
            /properties/spec/properties/workspace/properties/git | url
            """)
    // spec.agent and spec.model.default are required by CEL rules instead, unless spec.templateRef is set
    // (invalid-agentsandboxes.yaml: "spec without agent", "model without a default").
    void requiredFieldsAreRequired(String pointer, String field) {
        List<String> required = new ArrayList<>();
        schema.at(pointer).path("required").forEach(v -> required.add(v.asText()));

        assertThat(required).contains(field);
    }

    @Test
    void defaultsAreInTheSchema() {
        assertThat(schema.at("/properties/spec/properties/workspace/properties/mountPath/default").asText())
                .isEqualTo("/workspace");
        assertThat(schema.at("/properties/spec/properties/lifecycle/properties/mode/default").asText())
                .isEqualTo("Running");
        assertThat(schema.at("/properties/spec/properties/lifecycle/properties/shutdownPolicy/default").asText())
                .isEqualTo("Pause");
        assertThat(schema.at("/properties/spec/properties/credentials/items/properties/inject/items/properties/format/default")
                .asText()).isEqualTo("%s");
    }

    @Test
    void listsThatCelIteratesAreBounded() {
        // The API server refuses a CRD whose rules' estimated cost is unbounded: every list a rule walks has maxItems.
        for (String list : List.of("/properties/spec/properties/egress/properties/allow",
                "/properties/spec/properties/egress/properties/deny", "/properties/spec/properties/credentials",
                "/properties/spec/properties/agent/properties/env")) {
            assertThat(schema.at(list).path("maxItems").isNumber()).as(list + " maxItems").isTrue();
        }
    }

    private static List<JsonNode> allRules(JsonNode node) {
        List<JsonNode> rules = new ArrayList<>();
        node.findValues("x-kubernetes-validations").forEach(list -> list.forEach(rules::add));
        return rules;
    }

    private static void collectUndescribed(JsonNode property, String path, List<String> undescribed) {
        JsonNode properties = property.has("items") ? property.get("items").path("properties")
                : property.path("properties");
        properties.fields().forEachRemaining(field -> {
            String child = path + "." + field.getKey();
            if (field.getValue().path("description").asText().isBlank()) {
                undescribed.add(child);
            }
            collectUndescribed(field.getValue(), child, undescribed);
        });
    }
}
