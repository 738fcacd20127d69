package dev.agentsandbox.operator.status;

import dev.agentsandbox.operator.api.v1alpha1.EgressStatus;
import dev.agentsandbox.operator.api.v1alpha1.EgressStatus.CredentialAnswer;
import dev.agentsandbox.operator.status.UpstreamCredentials.CredentialSecret;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class UpstreamCredentialsTest {

    private static final CheckResult FOUND = CheckResult.passed("CredentialsReady", "SecretsFound", "ok");
    private static final CredentialSecret ANTHROPIC = new CredentialSecret("anthropic", "team-a/anthropic-key",
            Instant.parse("2026-11-01T09:00:00Z"));

    private static EgressStatus answered(CredentialAnswer... answers) {
        return new EgressStatus(5L, 0L, List.of(), List.of(answers));
    }

    private static CredentialAnswer answer(String host, String credential, int status, String at) {
        return new CredentialAnswer(host, credential, status, at);
    }

    @Test
    void aRejectionNamesTheHostTheStatusTheCredentialAndItsSecret() {
        CheckResult verdict = UpstreamCredentials.judge(FOUND, answered(answer("api.anthropic.com", "anthropic", 401,
                "2026-11-01T10:00:00Z")), List.of(ANTHROPIC));

        assertThat(verdict.passed()).isFalse();
        assertThat(verdict.reason()).isEqualTo("UpstreamRejected");
        assertThat(verdict.message()).startsWith("api.anthropic.com answered 401 to a request carrying credential"
                + " anthropic, from Secret team-a/anthropic-key;");
    }

    @Test
    void everyRejectedHostIsNamedInHostOrder() {
        CheckResult verdict = UpstreamCredentials.judge(FOUND, answered(
                answer("gitlab.com", "gitlab", 403, "2026-11-01T10:00:00Z"),
                answer("api.openai.com", "openai", 200, "2026-11-01T10:00:00Z"),
                answer("api.anthropic.com", "anthropic", 401, "2026-11-01T10:00:00Z")), List.of(ANTHROPIC));

        assertThat(verdict.message()).startsWith("api.anthropic.com answered 401").contains("; gitlab.com answered 403")
                .doesNotContain("api.openai.com");
    }

    @Test
    void aSuccessOrNoAnswerLeavesTheInputChecksVerdict() {
        assertThat(UpstreamCredentials.judge(FOUND, answered(answer("api.anthropic.com", "anthropic", 200,
                "2026-11-01T10:00:00Z")), List.of(ANTHROPIC))).isEqualTo(FOUND);
        assertThat(UpstreamCredentials.judge(FOUND, answered(), List.of(ANTHROPIC))).isEqualTo(FOUND);
        assertThat(UpstreamCredentials.judge(FOUND, null, List.of(ANTHROPIC))).isEqualTo(FOUND);
    }

    @Test
    void aSecretChangedSinceTheRejectionClearsIt() {
        EgressStatus rejected = answered(answer("api.anthropic.com", "anthropic", 401, "2026-11-01T10:00:00Z"));

        CheckResult changedAfter = UpstreamCredentials.judge(FOUND, rejected, List.of(new CredentialSecret(
                "anthropic", "team-a/anthropic-key", Instant.parse("2026-11-01T10:05:00Z"))));
        CheckResult changedBefore = UpstreamCredentials.judge(FOUND, rejected, List.of(ANTHROPIC));
        CheckResult unknownChange = UpstreamCredentials.judge(FOUND, rejected, List.of(new CredentialSecret(
                "anthropic", "team-a/anthropic-key", null)));

        assertThat(changedAfter).isEqualTo(FOUND);
        assertThat(changedBefore.reason()).isEqualTo("UpstreamRejected");
        assertThat(unknownChange.reason()).isEqualTo("UpstreamRejected");
    }

    @Test
    void aFailedInputCheckWins() {
        CheckResult missing = CheckResult.failed("CredentialsReady", "SecretNotFound", "not found");

        assertThat(UpstreamCredentials.judge(missing, answered(answer("api.anthropic.com", "anthropic", 401,
                "2026-11-01T10:00:00Z")), List.of(ANTHROPIC))).isEqualTo(missing);
    }
}
