package dev.agentsandbox.sidecar.proxy.policy;

import dev.agentsandbox.sidecar.contract.CredentialRule;
import dev.agentsandbox.sidecar.contract.ProxyConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HostRuleTest {

    @Test
    void ruleKindsMatchAsDocumented() {
        assertThat(HostRule.parse("example.com").matchesHost("example.com")).isTrue();
        assertThat(HostRule.parse("example.com").matchesHost("a.example.com")).isFalse();
        assertThat(HostRule.parse("*.example.com").matchesHost("a.example.com")).isTrue();
        assertThat(HostRule.parse("*.example.com").matchesHost("a.b.example.com")).isFalse();
        assertThat(HostRule.parse("*.example.com").matchesHost("example.com")).isFalse();
        assertThat(HostRule.parse("*.example.com").matchesHost("badexample.com")).isFalse();
        assertThat(HostRule.parse("**.example.com").matchesHost("a.b.example.com")).isTrue();
        assertThat(HostRule.parse("**.example.com").matchesHost("xexample.com")).isFalse();
    }

    @Test
    void portsDefaultTo80And443() {
        assertThat(HostRule.parse("example.com").coversPort(443)).isTrue();
        assertThat(HostRule.parse("example.com").coversPort(80)).isTrue();
        assertThat(HostRule.parse("example.com").coversPort(8443)).isFalse();
        assertThat(HostRule.parse("example.com:8443").coversPort(8443)).isTrue();
        assertThat(HostRule.parse("example.com:8443").coversPort(443)).isFalse();
    }

    @Test
    void invalidRulesAreRefusedWithTheRuleNamed() {
        assertThatThrownBy(() -> HostRule.parse("exa mple.com")).hasMessageContaining("'exa mple.com'");
        assertThatThrownBy(() -> HostRule.parse("*.com")).hasMessageContaining("needs a domain with a dot");
        assertThatThrownBy(() -> HostRule.parse("a.*.com")).hasMessageContaining("a.*.com");
        assertThatThrownBy(() -> HostRule.parse("example.com:99999")).hasMessageContaining("port");
    }

    @Test
    void policyDeniesByDefaultAndDenyBeatsAllow() {
        EgressPolicy policy = EgressPolicy.from(new ProxyConfig(List.of("**.github.com"), List.of("gist.github.com"),
                null, null), Set.of(), Set.of());
        assertThat(policy.decide("api.github.com", 443).isAllowed()).isTrue();
        assertThat(policy.decide("gist.github.com", 443).denial().reason()).isEqualTo(DenyReason.HOST_DENIED);
        assertThat(policy.decide("example.com", 443).denial().reason()).isEqualTo(DenyReason.HOST_NOT_ALLOWED);
    }

    @Test
    void credentialHostsAreAllowedImplicitlyAndMatchedExactly() {
        EgressPolicy policy = EgressPolicy.from(new ProxyConfig(null, null, null, List.of(new CredentialRule(
                "anthropic", "api.anthropic.com", "x-api-key", "%s", "/f"))), Set.of(), Set.of());
        assertThat(policy.decide("API.anthropic.com.", 443).isAllowed()).isTrue();
        assertThat(policy.decide("API.anthropic.com.", 443).credential().name()).isEqualTo("anthropic");
        assertThat(policy.decide("x.api.anthropic.com", 443).isAllowed()).isFalse();
        assertThat(policy.decide("api.anthropic.com.evil", 443).credential()).isNull();
    }

    @Test
    void aWildcardAllowRuleNeverCarriesACredential() {
        EgressPolicy policy = EgressPolicy.from(new ProxyConfig(List.of("**.anthropic.com"), null, null,
                List.of(new CredentialRule("anthropic", "api.anthropic.com", "x-api-key", "%s", "/f"))),
                Set.of(), Set.of());
        HostVerdict sibling = policy.decide("x.api.anthropic.com", 443);
        assertThat(sibling.isAllowed()).isTrue();
        assertThat(sibling.credential()).isNull();
        assertThat(policy.decide("api.anthropic.com", 443).credential()).isNotNull();
    }

    @Test
    void anInvalidPolicyNamesEveryBadRule() {
        assertThatThrownBy(() -> EgressPolicy.from(new ProxyConfig(List.of("ok.com", "bad host"), List.of("*.x"),
                List.of("10.0.0.0/33"), null), Set.of(), Set.of()))
                .hasMessageContaining("bad host").hasMessageContaining("*.x").hasMessageContaining("10.0.0.0/33");
    }
}
