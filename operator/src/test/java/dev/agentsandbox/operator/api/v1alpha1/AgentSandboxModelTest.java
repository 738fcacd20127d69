package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Java model reads every field of the reference manifest and writes it back unchanged. */
class AgentSandboxModelTest {

    /** Strict: a field the model does not know is an error, so a field missing from the model cannot hide. */
    private static final ObjectMapper STRICT_YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    static Path repositoryFile(String relative) {
        return Path.of(System.getProperty("project.root", "..")).resolve(relative);
    }

    static AgentSandbox read(String yaml) throws IOException {
        return STRICT_YAML.readValue(yaml, AgentSandbox.class);
    }

    @Test
    void referenceExampleReadsEveryField() throws IOException {
        AgentSandbox sandbox = read(Files.readString(repositoryFile("examples/reference.yaml")));
        AgentSandboxSpec spec = sandbox.getSpec();

        assertThat(sandbox.getMetadata().getName()).isEqualTo("openclaw");
        assertThat(sandbox.getMetadata().getNamespace()).isEqualTo("team-a");
        assertThat(spec.getRuntimeClassName()).isEqualTo("kata");
        assertThat(spec.getAgent().getImage()).isEqualTo("ghcr.io/example/openclaw:2026.1");
        assertThat(spec.getAgent().getPreset()).isEqualTo(AgentPreset.OPENCLAW);
        assertThat(spec.getAgent().getCommand()).containsExactly("openclaw");
        assertThat(spec.getAgent().getArgs()).containsExactly("tui");
        assertThat(spec.getAgent().getEnv()).singleElement()
                .satisfies(e -> assertThat(e.getName() + "=" + e.getValue()).isEqualTo("LOG_LEVEL=info"));
        assertThat(spec.getAgent().getResources().getLimits())
                .containsEntry("cpu", new Quantity("2")).containsEntry("memory", new Quantity("4Gi"));
        assertThat(spec.getAgent().getStdin()).isTrue();
        assertThat(spec.getAgent().getTty()).isTrue();
        assertThat(spec.getAgent().getRestartPolicy()).isEqualTo(AgentRestartPolicy.ALWAYS);
        assertThat(spec.getWorkspace().getSize()).isEqualTo(new Quantity("10Gi"));
        assertThat(spec.getWorkspace().getStorageClassName()).isEqualTo("fast");
        assertThat(spec.getWorkspace().getGit().getUrl()).isEqualTo("https://github.com/org/repo.git");
        assertThat(spec.getWorkspace().getGit().getRef()).isEqualTo("main");
        assertThat(spec.getModel().getRunner().getService()).isEqualTo("docker-model-runner");
        assertThat(spec.getModel().getRunner().getPort()).isEqualTo(80);
        assertThat(spec.getModel().getRunner().getEngine()).isEqualTo("llama.cpp");
        assertThat(spec.getModel().getDefaultModel()).isEqualTo("ai/qwen2.5:7B-Q4_K_M");
        assertThat(spec.getModel().getAllowed()).hasSize(2);
        assertThat(spec.getModel().getTokenBudget()).isEqualTo(2_000_000L);
        assertThat(spec.getLifecycle().getIdleTimeout()).isEqualTo("8h");
        assertThat(spec.getLifecycle().getIdleCpuThreshold()).isEqualTo("250m");
        assertThat(spec.getEgress().getAllow()).containsExactly("api.anthropic.com", "*.npmjs.org", "github.com",
                "pypi.org:443");
        assertThat(spec.getEgress().getDeny()).containsExactly("gist.github.com");
        assertThat(spec.getEgress().getEnforcement()).isEqualTo(EgressEnforcement.IPTABLES);
        assertThat(spec.getCredentials()).hasSize(2);
        assertThat(spec.getCredentials().get(0).getPreset()).isEqualTo(CredentialPreset.ANTHROPIC);
        assertThat(spec.getCredentials().get(1).getInject()).singleElement()
                .satisfies(r -> assertThat(r.getFormat()).isEqualTo("Bearer %s"));
        assertThat(spec.getCredentials().get(1).getEnv()).isEqualTo("GITLAB_TOKEN");
        assertThat(spec.getLifecycle().getMode()).isEqualTo(LifecycleMode.RUNNING);
        // Only in a comment: a date in an example is the day a copy of it expires.
        assertThat(spec.getLifecycle().getShutdownTime()).isNull();
        assertThat(spec.getLifecycle().getShutdownPolicy()).isEqualTo(ShutdownPolicy.PAUSE);
    }

    @Test
    void referenceExampleRoundTripsWithoutLosingAField() throws IOException {
        String original = Files.readString(repositoryFile("examples/reference.yaml"));

        String written = STRICT_YAML.writeValueAsString(read(original));

        JsonNode before = STRICT_YAML.readTree(original);
        JsonNode after = STRICT_YAML.readTree(written);
        assertThat(after).isEqualTo(before);
    }

    @Test
    void statusRoundTrips() throws IOException {
        String yaml = """
                apiVersion: agentsandbox.dev/v1alpha1
                kind: AgentSandbox
                metadata: {name: s, namespace: n}
                spec: {agent: {image: busybox}}
                status:
                  phase: Ready
                  observedGeneration: 3
                  conditions:
                  - {type: Ready, status: "True", reason: PodReady, message: pod is ready,
                     lastTransitionTime: "2026-11-23T10:00:00Z", observedGeneration: 3}
                  podName: s-sandbox
                  podIP: 10.1.2.3
                  nodeName: node-a
                  runtimeClassName: kata
                  egress: {allowed: 120, denied: 3, lastDenied: [{host: evil.example, at: "2026-11-23T10:00:00Z"}]}
                  model: {requests: 41, promptTokens: 91234, completionTokens: 10233}
                """;

        AgentSandbox sandbox = read(yaml);

        assertThat(sandbox.getStatus().getPhase()).isEqualTo(SandboxPhase.READY);
        assertThat(sandbox.getStatus().getConditions()).singleElement().satisfies(c -> assertThat(c.isTrue()).isTrue());
        assertThat(sandbox.getStatus().getEgress().lastDenied()).singleElement()
                .satisfies(d -> assertThat(d.host()).isEqualTo("evil.example"));
        assertThat(STRICT_YAML.readTree(STRICT_YAML.writeValueAsString(sandbox))).isEqualTo(STRICT_YAML.readTree(yaml));
    }

    @Test
    void omittedOptionalSectionsTakeTheirDefaults() throws IOException {
        AgentSandbox sandbox = read("""
                apiVersion: agentsandbox.dev/v1alpha1
                kind: AgentSandbox
                metadata: {name: minimal}
                spec:
                  agent: {image: busybox}
                  workspace: {}
                  lifecycle: {}
                  credentials:
                  - name: gitlab
                    secretRef: {name: s, key: k}
                    inject: [{host: gitlab.example, header: Authorization}]
                """);
        AgentSandboxSpec spec = sandbox.getSpec();

        assertThat(spec.getWorkspace().getMountPath()).isEqualTo("/workspace");
        assertThat(spec.getWorkspace().getSize()).isNull();
        assertThat(spec.getLifecycle().getMode()).isEqualTo(LifecycleMode.RUNNING);
        assertThat(spec.getLifecycle().getShutdownPolicy()).isEqualTo(ShutdownPolicy.PAUSE);
        assertThat(spec.getCredentials().get(0).getInject().get(0).getFormat()).isEqualTo("%s");
        assertThat(spec.getAgent().getEnv()).isEmpty();
        assertThat(spec.getAgent().getCommand()).isEmpty();
        assertThat(spec.getModel()).isNull();
        assertThat(spec.getEgress()).isNull();
    }

    @Test
    void unknownEnumValueIsRefused() {
        assertThatThrownBy(() -> read("""
                apiVersion: agentsandbox.dev/v1alpha1
                kind: AgentSandbox
                metadata: {name: bad}
                spec: {agent: {image: busybox}, lifecycle: {mode: Sleeping}}
                """)).hasMessageContaining("Sleeping");
    }

    @Test
    void identifiesItselfAsTheAgentSandboxKind() {
        AgentSandbox sandbox = new AgentSandbox();

        assertThat(sandbox.getApiVersion()).isEqualTo("agentsandbox.dev/v1alpha1");
        assertThat(sandbox.getKind()).isEqualTo("AgentSandbox");
        assertThat(sandbox.getPlural()).isEqualTo("agentsandboxes");
    }

    @Test
    void theAgentsCpuIsAnObjectEvenWhenItNeverWasAboveTheThreshold() {
        // The API server refuses a status whose agentCpu is not an object: a reading that never crossed the
        // threshold must still say something.
        AgentSandboxStatus status = new AgentSandboxStatus();
        status.setAgentCpu(AgentCpuStatus.counted(null));

        assertThat(new KubernetesSerialization().asJson(status)).contains("\"agentCpu\":{\"counted\":true}");
    }
}
