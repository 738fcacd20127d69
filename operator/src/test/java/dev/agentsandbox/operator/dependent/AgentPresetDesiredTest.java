package dev.agentsandbox.operator.dependent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentPreset;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.EnvVarSpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

/** What {@code spec.agent.preset} puts into the desired pod and ConfigMap (the real CLIs: agents/AgentClisIT). */
class AgentPresetDesiredTest {

    private static final String MODEL = "ai/qwen2.5:7B-Q4_K_M";

    private static AgentSandbox sandbox(AgentPreset preset, boolean withModel) {
        AgentSandbox sandbox = TestSandboxes.full("a");
        sandbox.getSpec().getAgent().setPreset(preset);
        if (!withModel) {
            sandbox.getSpec().setModel(null);
        }
        return sandbox;
    }

    private static Pod pod(AgentSandbox sandbox) {
        return new SandboxPodDependentResource().desired(TestSandboxes.plan(sandbox));
    }

    private static Map<String, String> configMap(AgentSandbox sandbox) {
        ConfigMap configMap = new SidecarConfigMapDependentResource().desired(TestSandboxes.plan(sandbox));
        return configMap.getData();
    }

    private static Container agent(Pod pod) {
        return pod.getSpec().getContainers().get(0);
    }

    private static Map<String, String> env(Pod pod) {
        return agent(pod).getEnv().stream().collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    }

    @Test
    void genericIsTheSandboxWithoutAPreset() {
        Pod without = pod(sandbox(null, true));
        Pod generic = pod(sandbox(AgentPreset.GENERIC, true));

        assertThat(generic.getSpec()).isEqualTo(without.getSpec());
        assertThat(configMap(sandbox(AgentPreset.GENERIC, true))).containsOnlyKeys("proxy.json", "bridge.json");
    }

    @Test
    void claudeCodeNamesTheDefaultModelForEveryRoleAndCarriesABridgeToken() {
        Map<String, String> env = env(pod(sandbox(AgentPreset.CLAUDE_CODE, true)));

        assertThat(env).containsEntry("ANTHROPIC_BASE_URL", "http://127.0.0.1:54321")
                .containsEntry("ANTHROPIC_MODEL", MODEL)
                .containsEntry("ANTHROPIC_DEFAULT_HAIKU_MODEL", MODEL)
                .containsEntry("ANTHROPIC_SMALL_FAST_MODEL", MODEL)
                .containsEntry("ANTHROPIC_DEFAULT_SONNET_MODEL", MODEL)
                .containsEntry("ANTHROPIC_DEFAULT_OPUS_MODEL", MODEL)
                .containsEntry("CLAUDE_CODE_SUBAGENT_MODEL", MODEL)
                .containsEntry("ANTHROPIC_AUTH_TOKEN", "agentsandbox-bridge")
                .containsEntry("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
                .containsEntry("DISABLE_TELEMETRY", "1");
        assertThat(configMap(sandbox(AgentPreset.CLAUDE_CODE, true))).containsOnlyKeys("proxy.json", "bridge.json");
    }

    @Test
    void claudeCodeWithoutAModelGoesToItsProviderWithTheCredentialPlaceholder() {
        Map<String, String> env = env(pod(sandbox(AgentPreset.CLAUDE_CODE, false)));

        assertThat(env).doesNotContainKeys("ANTHROPIC_BASE_URL", "ANTHROPIC_MODEL", "ANTHROPIC_AUTH_TOKEN")
                .containsEntry("ANTHROPIC_API_KEY", "proxy-managed")
                .containsEntry("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
    }

    @Test
    void codexGetsASystemConfigWithTheBridgeAsAResponsesProvider() {
        AgentSandbox sandbox = sandbox(AgentPreset.CODEX, true);
        Pod pod = pod(sandbox);

        assertThat(configMap(sandbox).get("agent-codex-config.toml"))
                .contains("model = \"" + MODEL + "\"\n")
                .contains("model_provider = \"agentsandbox-bridge\"\n")
                .contains("[model_providers.agentsandbox-bridge]\n")
                .contains("base_url = \"http://127.0.0.1:54321/v1\"\n")
                .contains("wire_api = \"responses\"\n");
        assertThat(agent(pod).getVolumeMounts()).extracting(VolumeMount::getName, VolumeMount::getMountPath,
                VolumeMount::getReadOnly).contains(tuple("agent-config", "/etc/codex", true));
        // CODEX_HOME stays the user's: Codex writes its sessions and state beside its own config.
        assertThat(env(pod)).doesNotContainKey("CODEX_HOME");
    }

    @Test
    void theAgentGetsOnlyItsOwnFileOfTheConfigMap() {
        Pod pod = pod(sandbox(AgentPreset.CODEX, true));

        Volume volume = pod.getSpec().getVolumes().stream().filter(v -> v.getName().equals("agent-config"))
                .findFirst().orElseThrow();
        assertThat(volume.getConfigMap().getName()).isEqualTo("a-sidecar");
        assertThat(volume.getConfigMap().getItems()).extracting(KeyToPath::getKey, KeyToPath::getPath)
                .containsExactly(tuple("agent-codex-config.toml", "config.toml"));
    }

    @Test
    void openClawGetsAReadOnlyConfigWithTheAllowedModelsTheDefaultPrimary() throws Exception {
        AgentSandbox sandbox = sandbox(AgentPreset.OPENCLAW, true);
        Pod pod = pod(sandbox);

        JsonNode config = new ObjectMapper().readTree(configMap(sandbox).get("agent-openclaw.json"));
        assertThat(config.at("/agents/defaults/model/primary").asText()).isEqualTo("agentsandbox-bridge/" + MODEL);
        JsonNode provider = config.at("/models/providers/agentsandbox-bridge");
        assertThat(provider.path("baseUrl").asText()).isEqualTo("http://127.0.0.1:54321/v1");
        assertThat(provider.path("api").asText()).isEqualTo("openai-completions");
        assertThat(provider.path("models").findValuesAsText("id"))
                .containsExactly(MODEL, "ai/gpt-oss:20B-UD-Q4_K_XL");
        assertThat(env(pod)).containsEntry("OPENCLAW_CONFIG_PATH", "/etc/openclaw/openclaw.json")
                .containsEntry("OPENCLAW_CONFIG_READONLY", "1");
        assertThat(agent(pod).getVolumeMounts()).extracting(VolumeMount::getMountPath).contains("/etc/openclaw");
    }

    @ParameterizedTest
    @EnumSource(value = AgentPreset.class, names = {"CODEX", "OPENCLAW"})
    void withoutAModelNoPresetFileIsWrittenOrMounted(AgentPreset preset) {
        AgentSandbox sandbox = sandbox(preset, false);

        assertThat(configMap(sandbox)).containsOnlyKeys("proxy.json");
        assertThat(pod(sandbox).getSpec().getVolumes()).extracting(Volume::getName).doesNotContain("agent-config");
        assertThat(env(pod(sandbox))).doesNotContainKey("OPENCLAW_CONFIG_PATH");
    }

    @Test
    void theSpecsEnvironmentWinsOverThePresetButNotOverTheProxy() {
        AgentSandbox sandbox = sandbox(AgentPreset.CLAUDE_CODE, true);
        sandbox.getSpec().getAgent().setEnv(List.of(new EnvVarSpec("ANTHROPIC_SMALL_FAST_MODEL", "ai/smollm2"),
                new EnvVarSpec("DISABLE_TELEMETRY", "0")));

        Map<String, String> env = env(pod(sandbox));

        assertThat(env).containsEntry("ANTHROPIC_SMALL_FAST_MODEL", "ai/smollm2")
                .containsEntry("DISABLE_TELEMETRY", "0")
                .containsEntry("ANTHROPIC_MODEL", MODEL)
                .containsEntry("HTTPS_PROXY", "http://127.0.0.1:3128");
        assertThat(agent(pod(sandbox)).getEnv()).extracting(EnvVar::getName).doesNotHaveDuplicates();
    }

    @Test
    void modelNamesAreQuotedForToml() {
        AgentSandbox sandbox = sandbox(AgentPreset.CODEX, true);
        sandbox.getSpec().getModel().setDefaultModel("we\"ird\\model\n");
        sandbox.getSpec().getModel().setAllowed(List.of());

        assertThat(configMap(sandbox).get("agent-codex-config.toml"))
                .contains("model = \"we\\\"ird\\\\model\\u000A\"\n");
    }
}
