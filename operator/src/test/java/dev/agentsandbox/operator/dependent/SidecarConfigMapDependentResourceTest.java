package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.CredentialPreset;
import dev.agentsandbox.operator.api.v1alpha1.EgressEnforcement;
import dev.agentsandbox.operator.plan.CredentialPresets;
import dev.agentsandbox.operator.plan.EffectiveEnforcement;
import dev.agentsandbox.operator.plan.SandboxPlan;
import dev.agentsandbox.operator.plan.SandboxSettings;
import dev.agentsandbox.sidecar.contract.BridgeConfig;
import dev.agentsandbox.sidecar.contract.CredentialRule;
import dev.agentsandbox.sidecar.contract.ProxyConfig;
import dev.agentsandbox.sidecar.contract.SidecarConfigJson;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

class SidecarConfigMapDependentResourceTest {

    private static ConfigMap configMap(AgentSandbox sandbox) {
        return new SidecarConfigMapDependentResource().desired(TestSandboxes.plan(sandbox));
    }

    private static ProxyConfig proxy(AgentSandbox sandbox) {
        return SidecarConfigJson.readProxy(configMap(sandbox).getData().get(ProxyConfig.FILE_NAME));
    }

    @Test
    void configMapIsNamedLabelledAndHoldsBothFiles() {
        ConfigMap configMap = configMap(TestSandboxes.full("openclaw"));

        assertThat(configMap.getApiVersion()).isEqualTo("v1");
        assertThat(configMap.getKind()).isEqualTo("ConfigMap");
        assertThat(configMap.getMetadata().getName()).isEqualTo("openclaw-sidecar");
        assertThat(configMap.getMetadata().getLabels())
                .containsEntry("app.kubernetes.io/managed-by", "agentsandbox-operator")
                .containsEntry("agentsandbox.dev/sandbox", "openclaw");
        assertThat(configMap.getData()).containsOnlyKeys("proxy.json", "bridge.json");
    }

    @Test
    void thePlatformsUpstreamTrustIsAKeyBesideThePolicy() {
        String pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

        ConfigMap configMap = new SidecarConfigMapDependentResource().desired(
                TestSandboxes.planWithUpstreamTrust(TestSandboxes.full("a"), pem));

        assertThat(configMap.getData()).containsOnlyKeys("proxy.json", "bridge.json", "upstream-trust.pem")
                .containsEntry("upstream-trust.pem", pem);
    }

    @Test
    void proxyPolicyCarriesAllowDenyAndAllowsCredentialHosts() {
        ProxyConfig proxy = proxy(TestSandboxes.full("a"));

        assertThat(proxy.allow()).containsExactly("*.npmjs.org", "pypi.org:443", "api.anthropic.com",
                "gitlab.internal.example");
        assertThat(proxy.deny()).containsExactly("gist.github.com");
        assertThat(proxy.allowCidrs()).as("none unless the operator is configured with some").isEmpty();
    }

    @Test
    void everyProxyMayReachTheRangesTheOperatorAllows() {
        AgentSandbox sandbox = TestSandboxes.full("a");
        SandboxSettings defaults = TestSandboxes.settings();
        SandboxSettings settings = new SandboxSettings(defaults.sidecarImage(), defaults.gitImage(),
                defaults.operatorNamespace(), defaults.operatorPodSelector(), defaults.sidecarResources(),
                List.of("10.20.0.0/16"), List.of(), Optional.empty());
        SandboxPlan plan = new SandboxPlan(sandbox, "kata", TestSandboxes.runner(),
                sandbox.getSpec().getCredentials().stream().map(CredentialPresets::resolve).toList(), settings,
                EffectiveEnforcement.asRequested(EgressEnforcement.IPTABLES), true);

        assertThat(SidecarConfigFiles.proxy(plan).allowCidrs()).containsExactly("10.20.0.0/16");
    }

    @Test
    void credentialRulesNameTheFileTheProxyMountsNeverTheValue() {
        AgentSandbox sandbox = TestSandboxes.full("a");
        ProxyConfig proxy = proxy(sandbox);
        Pod pod = new SandboxPodDependentResource().desired(TestSandboxes.plan(sandbox));

        assertThat(proxy.credentials()).extracting(CredentialRule::name, CredentialRule::host, CredentialRule::header,
                        CredentialRule::format, CredentialRule::valueFile)
                .containsExactly(
                        tuple("anthropic", "api.anthropic.com", "x-api-key", "%s",
                                "/var/run/agentsandbox/credentials/anthropic/api-key"),
                        tuple("gitlab", "gitlab.internal.example", "Authorization", "Bearer %s",
                                "/var/run/agentsandbox/credentials/gitlab/token"));
        // Each valueFile is where the pod projects that Secret key into the proxy.
        String mountPath = pod.getSpec().getInitContainers().stream().filter(c -> c.getName().equals("egress-proxy"))
                .flatMap(c -> c.getVolumeMounts().stream()).filter(m -> m.getName().equals("credentials"))
                .findFirst().orElseThrow().getMountPath();
        List<String> projected = pod.getSpec().getVolumes().stream().filter(v -> v.getName().equals("credentials"))
                .flatMap(v -> v.getProjected().getSources().stream())
                .flatMap(s -> s.getSecret().getItems().stream()).map(i -> mountPath + "/" + i.getPath()).toList();
        assertThat(proxy.credentials()).extracting(CredentialRule::valueFile).containsExactlyElementsOf(projected);
    }

    @Test
    void presetsExpandAsDesignSays() {
        AgentSandbox sandbox = TestSandboxes.minimal("a");
        sandbox.getSpec().setCredentials(List.of(
                TestSandboxes.preset("openai", CredentialPreset.OPENAI, "s1", "k"),
                TestSandboxes.preset("google", CredentialPreset.GOOGLE, "s2", "k"),
                TestSandboxes.preset("github", CredentialPreset.GITHUB, "s3", "k")));

        ProxyConfig proxy = proxy(sandbox);

        assertThat(proxy.credentials()).extracting(CredentialRule::host, CredentialRule::header,
                        CredentialRule::format, CredentialRule::basicAuthUser)
                .containsExactly(
                        tuple("api.openai.com", "Authorization", "Bearer %s", null),
                        tuple("generativelanguage.googleapis.com", "x-goog-api-key", "%s", null),
                        tuple("api.github.com", "Authorization", "Bearer %s", null),
                        tuple("github.com", "Authorization", "Basic %s", "x-access-token"));
        assertThat(proxy.allow()).contains("api.openai.com", "generativelanguage.googleapis.com", "api.github.com",
                "github.com");
        var env = new SandboxPodDependentResource().desired(TestSandboxes.plan(sandbox)).getSpec().getContainers().get(0)
                .getEnv();
        assertThat(env).extracting(e -> e.getName() + "=" + e.getValue())
                .contains("OPENAI_API_KEY=proxy-managed", "GEMINI_API_KEY=proxy-managed", "GH_TOKEN=proxy-managed");
    }

    @Test
    void bridgeConfigPointsAtTheRunnerEngineWithModelsAndBudget() {
        BridgeConfig bridge = SidecarConfigJson.readBridge(configMap(TestSandboxes.full("a")).getData()
                .get(BridgeConfig.FILE_NAME));

        assertThat(bridge.upstream()).isEqualTo("http://docker-model-runner.model-runner.svc:80/engines/llama.cpp");
        assertThat(bridge.defaultModel()).isEqualTo("ai/qwen2.5:7B-Q4_K_M");
        assertThat(bridge.allowedModels()).containsExactly("ai/qwen2.5:7B-Q4_K_M", "ai/gpt-oss:20B-UD-Q4_K_XL");
        assertThat(bridge.tokenBudget()).isEqualTo(2_000_000L);
    }

    @Test
    void withoutAModelThereIsNoBridgeFile() {
        assertThat(configMap(TestSandboxes.minimal("a")).getData()).containsOnlyKeys("proxy.json");
    }

    @Test
    void renderingIsDeterministic() {
        assertThat(configMap(TestSandboxes.full("a"))).isEqualTo(configMap(TestSandboxes.full("a")));
    }
}
