package dev.agentsandbox.operator.api.v1alpha1;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The host rule expression embedded in the CRD's CEL rules. Java's regex engine agrees with CEL's RE2 on this
 * expression (no backreferences or lookaround), so the table here predicts what the API server accepts; the
 * cluster tests prove it against a real kube-apiserver.
 */
class HostRuleSyntaxTest {

    private static final Pattern HOST_RULE = Pattern.compile(Validation.HOST_RULE);
    private static final Pattern EXACT_HOST = Pattern.compile(Validation.EXACT_HOST);

    @ParameterizedTest
    @ValueSource(strings = {"api.anthropic.com", "*.npmjs.org", "**.googleapis.com", "pypi.org:443", "localhost",
            "gitlab.internal.example:8443", "a.b-c.d", "10.0.0.5", "GitHub.com", "x:65535", "x:1"})
    void acceptsHostRules(String rule) {
        assertThat(HOST_RULE.matcher(rule).matches()).as(rule).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://github.com", "github.com/org", "git hub.com", "*github.com", "***.x.com",
            "x.*.com", "*.", ".example.com", "example.com.", "-bad.com", "bad-.com", "x:0", "x:65536", "x:",
            "x:443:443", "user@example.com", "", "[::1]:443", "exa_mple.com"})
    void refusesWhatIsNotAHostRule(String rule) {
        assertThat(HOST_RULE.matcher(rule).matches()).as(rule).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"*.example.com", "**.example.com", "gitlab.example:8443", "https://gitlab.example", ""})
    void injectionHostsAreExactHostsOnly(String host) {
        assertThat(EXACT_HOST.matcher(host).matches()).as(host).isFalse();
        assertThat(EXACT_HOST.matcher("gitlab.internal.example").matches()).isTrue();
    }
}
