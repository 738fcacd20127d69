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
        assertThat(writer.writeValueAsString(new BridgeStatus(1, 2, 3, 0)))
                .isEqualTo("{\"requests\":1,\"promptTokens\":2,\"completionTokens\":3,\"streamsWithoutUsage\":0}");
    }
}
