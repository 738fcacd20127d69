package dev.agentsandbox.sidecar.contract;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SidecarConfigJsonTest {

    @Test
    void proxyConfigRoundTrips() {
        var config = new ProxyConfig(List.of("api.anthropic.com", "*.npmjs.org", "pypi.org:443"),
                List.of("gist.github.com"), List.of("10.20.0.0/16"),
                List.of(new CredentialRule("anthropic", "api.anthropic.com", "x-api-key", "%s",
                                "/etc/agentsandbox/credentials/anthropic/api-key"),
                        new CredentialRule("github", "github.com", "Authorization", "Basic %s",
                                "/etc/agentsandbox/credentials/github/token", "x-access-token")));

        String json = SidecarConfigJson.write(config);

        assertThat(SidecarConfigJson.readProxy(json)).isEqualTo(config);
        assertThat(SidecarConfigJson.write(SidecarConfigJson.readProxy(json))).isEqualTo(json);
    }

    @Test
    void bridgeConfigRoundTrips() {
        var config = new BridgeConfig("http://docker-model-runner.model-runner.svc:80/engines/llama.cpp",
                "ai/qwen2.5:7B-Q4_K_M", List.of("ai/qwen2.5:7B-Q4_K_M", "ai/gpt-oss:20B-UD-Q4_K_XL"), 2_000_000L);

        assertThat(SidecarConfigJson.readBridge(SidecarConfigJson.write(config))).isEqualTo(config);
    }

    @Test
    void emptyListsAreOmittedAndReadBackAsEmpty() {
        String json = SidecarConfigJson.write(new ProxyConfig(List.of("example.com"), null, null, null));

        assertThat(json).doesNotContain("deny", "credentials", "allowCidrs");
        assertThat(SidecarConfigJson.readProxy(json).deny()).isEmpty();
    }

    @Test
    void unknownFieldIsRefusedAndNamed() {
        assertThatThrownBy(() -> SidecarConfigJson.readProxy("{\"alow\": [\"example.com\"]}"))
                .isInstanceOf(SidecarConfigJson.InvalidConfigException.class)
                .hasMessageContaining("alow");
    }

    @Test
    void formatWithoutExactlyOnePlaceholderIsRefused() {
        assertThatThrownBy(() -> new CredentialRule("x", "h", "Authorization", "Bearer", "/f"))
                .hasMessageContaining("exactly one %s");
        assertThatThrownBy(() -> new CredentialRule("x", "h", "Authorization", "%s %s", "/f"))
                .hasMessageContaining("exactly one %s");
    }

    @Test
    void invalidConfigFromJsonIsReportedAsInvalidConfig() {
        assertThatThrownBy(() -> SidecarConfigJson.readProxy(
                "{\"credentials\":[{\"name\":\"a\",\"host\":\"h\",\"header\":\"X\",\"format\":\"none\",\"valueFile\":\"/f\"}]}"))
                .isInstanceOf(SidecarConfigJson.InvalidConfigException.class)
                .hasMessageContaining("exactly one %s");
    }

    @Test
    void bridgeAllowsOnlyTheDefaultWhenNoListIsGiven() {
        var config = new BridgeConfig("http://runner/engines/llama.cpp", "ai/smollm2", List.of(), null);

        assertThat(config.effectiveAllowedModels()).containsExactly("ai/smollm2");
    }
}
