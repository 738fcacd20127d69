package dev.agentsandbox.sidecar.contract;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SidecarContractTest {

    @Test
    void aCredentialWithoutFormatCarriesTheSecretAsItIs() {
        CredentialRule rule = new CredentialRule("a", "api.example.com", "x-api-key", null, "/f");

        assertThat(rule.format()).isEqualTo(CredentialRule.DEFAULT_FORMAT).isEqualTo("%s");
        assertThat(SidecarConfigJson.readProxy(SidecarConfigJson.write(new ProxyConfig(null, null, null,
                List.of(rule)))).credentials()).containsExactly(rule);
    }

    @Test
    void theNetworkPolicyExceptsOnlyRangesOfItsFamilyAndEveryOneOfThem() {
        List<String> ipv4 = ForbiddenRanges.networkPolicyExcept(false);
        List<String> ipv6 = ForbiddenRanges.networkPolicyExcept(true);

        assertThat(ipv4).isNotEmpty().noneMatch(cidr -> cidr.contains(":"));
        assertThat(ipv6).isNotEmpty().allMatch(cidr -> cidr.contains(":"));
        assertThat(ForbiddenRanges.ALL.stream().filter(ForbiddenRanges.ForbiddenRange::inNetworkPolicy)
                .map(ForbiddenRanges.ForbiddenRange::cidr)).containsExactlyInAnyOrderElementsOf(
                        java.util.stream.Stream.concat(ipv4.stream(), ipv6.stream()).toList());
        assertThat(ipv4).contains("169.254.0.0/16");
    }

    @Test
    void aStatusDocumentReadsBackAndANewerSidecarsExtraFieldsAreIgnored() throws Exception {
        var writer = JsonMapper.builder().build();
        var reader = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
        ProxyStatus proxy = new ProxyStatus(3, 1, List.of(new ProxyStatus.DeniedHost("evil.example",
                "2026-11-23T12:00:00Z")));

        String json = writer.writeValueAsString(proxy);
        assertThat(json).startsWith("{\"allowed\":3,\"denied\":1,\"lastDenied\":[{\"host\":\"evil.example\"");
        assertThat(reader.readValue(json.replace("{\"allowed\"", "{\"bytesOut\":9,\"allowed\""), ProxyStatus.class))
                .isEqualTo(proxy);
        assertThat(writer.writeValueAsString(new BridgeStatus(1, 2, 3, 0))).startsWith(
                "{\"requests\":1,\"promptTokens\":2,\"completionTokens\":3,\"streamsWithoutUsage\":0,");
        BridgeStatus perModel = new BridgeStatus(1, 2, 3, 0, java.util.Map.of("model_not_allowed", 4L),
                List.of(new BridgeStatus.ModelUsage("ai/qwen", 1, 2, 3)), null);
        assertThat(writer.writeValueAsString(perModel)).endsWith("\"refused\":{\"model_not_allowed\":4},"
                + "\"models\":[{\"model\":\"ai/qwen\",\"requests\":1,\"promptTokens\":2,\"completionTokens\":3}]}");
        assertThat(reader.readValue(writer.writeValueAsString(perModel), BridgeStatus.class)).isEqualTo(perModel);
    }

    @Test
    void credentialAnswersReadBackAndAnOlderProxyReportsNone() throws Exception {
        var mapper = JsonMapper.builder().build();
        ProxyStatus proxy = new ProxyStatus(3, 0, List.of(), List.of(new ProxyStatus.CredentialAnswer(
                "api.anthropic.com", "anthropic", 401, "2026-11-23T12:00:00Z")), List.of(new ProxyStatus.HostDenials(
                "evil.example", "host-not-allowed", 7, "2026-11-23T12:00:01Z")), java.util.Map.of("api.anthropic.com",
                3L), "2026-11-23T12:00:02Z");

        String json = mapper.writeValueAsString(proxy);
        assertThat(json).contains("\"credentialAnswers\":[{\"host\":\"api.anthropic.com\",\"credential\":"
                + "\"anthropic\",\"status\":401,\"at\":\"2026-11-23T12:00:00Z\"}]")
                .contains("\"deniedHosts\":[{\"host\":\"evil.example\",\"reason\":\"host-not-allowed\",\"count\":7,")
                .endsWith("\"injected\":{\"api.anthropic.com\":3},\"lastActivity\":\"2026-11-23T12:00:02Z\"}");
        assertThat(mapper.readValue(json, ProxyStatus.class)).isEqualTo(proxy);
        assertThat(mapper.readValue("{\"allowed\":1,\"denied\":0}", ProxyStatus.class).credentialAnswers())
                .isEmpty();
    }

    @Test
    void onlyRejectionsAndSuccessesSaySomethingAboutACredential() {
        assertThat(ProxyStatus.CredentialAnswer.isTelling(401)).isTrue();
        assertThat(ProxyStatus.CredentialAnswer.isTelling(403)).isTrue();
        assertThat(ProxyStatus.CredentialAnswer.isTelling(200)).isTrue();
        assertThat(ProxyStatus.CredentialAnswer.isTelling(302)).isTrue();
        assertThat(ProxyStatus.CredentialAnswer.isTelling(404)).isFalse();
        assertThat(ProxyStatus.CredentialAnswer.isTelling(429)).isFalse();
        assertThat(ProxyStatus.CredentialAnswer.isTelling(503)).isFalse();
        assertThat(new ProxyStatus.CredentialAnswer("h", "c", 403, "t").rejected()).isTrue();
        assertThat(new ProxyStatus.CredentialAnswer("h", "c", 200, "t").rejected()).isFalse();
    }
}
