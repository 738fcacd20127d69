package dev.agentsandbox.operator.status;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxStatus;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TransitionAnnouncementsTest {

    private static final CheckResult MISSING = CheckResult.failed("CredentialsReady", "SecretNotFound",
            "not found: Secret team-a/x");

    private static AgentSandboxStatus status(SandboxCondition... conditions) {
        AgentSandboxStatus status = new AgentSandboxStatus();
        status.setConditions(List.of(conditions));
        return status;
    }

    private static SandboxCondition condition(String type, String status, String reason, String message) {
        return new SandboxCondition(type, status, reason, message, "2026-11-01T10:00:00Z", 1L);
    }

    @Test
    void aNewFailureIsAWarningOnceNotOnEveryReconcile() {
        AgentSandboxStatus failed = status(condition("Ready", "False", "SecretNotFound", MISSING.message()),
                condition("CredentialsReady", "False", "SecretNotFound", MISSING.message()));

        List<TransitionAnnouncements.Announcement> first = TransitionAnnouncements.between(null, failed, List.of(MISSING));
        List<TransitionAnnouncements.Announcement> again = TransitionAnnouncements.between(failed, failed, List.of(MISSING));

        assertThat(first).containsExactly(new TransitionAnnouncements.Announcement(true, "SecretNotFound", MISSING.message()));
        assertThat(again).isEmpty();
    }

    @Test
    void fallingBackToTheNetworkPolicyOnlyIsAWarningOnce() {
        String lost = "RuntimeClass gvisor (handler runsc) cannot run iptables rules";
        AgentSandboxStatus pending = status(condition("EgressReady", "False", "PolicyPending", "being applied"));
        AgentSandboxStatus fallback = status(condition("EgressReady", "True", "NetworkPolicyOnly", lost));
        AgentSandboxStatus full = status(condition("EgressReady", "True", "PolicyApplied", "in place"));

        assertThat(TransitionAnnouncements.between(pending, fallback, List.of()))
                .containsExactly(new TransitionAnnouncements.Announcement(true, "NetworkPolicyOnly", lost));
        assertThat(TransitionAnnouncements.between(null, fallback, List.of())).hasSize(1);
        assertThat(TransitionAnnouncements.between(fallback, fallback, List.of())).isEmpty();
        assertThat(TransitionAnnouncements.between(pending, full, List.of())).isEmpty();
    }

    @Test
    void aWideningPolicyIsAWarningOnceAgainWhenTheSetChangesAndItsEndIsNormal() {
        AgentSandboxStatus applied = status(condition("EgressReady", "True", "PolicyApplied", "in place"));
        AgentSandboxStatus one = status(condition("EgressReady", "False", "EgressWidened", "NetworkPolicy a ..."));
        AgentSandboxStatus two = status(condition("EgressReady", "False", "EgressWidened", "NetworkPolicy a, b ..."));

        assertThat(TransitionAnnouncements.between(applied, one, List.of()))
                .containsExactly(new TransitionAnnouncements.Announcement(true, "EgressWidened", "NetworkPolicy a ..."));
        assertThat(TransitionAnnouncements.between(one, one, List.of())).isEmpty();
        assertThat(TransitionAnnouncements.between(one, two, List.of())).containsExactly(
                new TransitionAnnouncements.Announcement(true, "EgressWidened", "NetworkPolicy a, b ..."));
        assertThat(TransitionAnnouncements.between(two, applied, List.of()))
                .singleElement().satisfies(event -> {
                    assertThat(event.warning()).isFalse();
                    assertThat(event.reason()).isEqualTo("EgressNarrowed");
                });
    }

    @Test
    void becomingReadyPausedOrExpiredIsANormalEvent() {
        AgentSandboxStatus starting = status(condition("Ready", "False", "PodNotReady", "pod is not ready yet"));
        AgentSandboxStatus ready = status(condition("Ready", "True", "PodReady", "pod a-sandbox is ready"));
        AgentSandboxStatus paused = status(condition("Ready", "False", "Paused", "paused"));

        assertThat(TransitionAnnouncements.between(starting, ready, List.of()))
                .containsExactly(new TransitionAnnouncements.Announcement(false, "PodReady", "pod a-sandbox is ready"));
        assertThat(TransitionAnnouncements.between(ready, paused, List.of()))
                .containsExactly(new TransitionAnnouncements.Announcement(false, "Paused", "paused"));
        assertThat(TransitionAnnouncements.between(ready, ready, List.of())).isEmpty();
        assertThat(TransitionAnnouncements.between(null, starting, List.of())).isEmpty();
    }

    @Test
    void anUpstreamRejectionIsAWarningOnceAndItsEndANormalEvent() {
        String message = "api.anthropic.com answered 401 to a request carrying credential anthropic";
        AgentSandboxStatus found = status(condition("CredentialsReady", "True", "SecretsFound", "every key exists"));
        AgentSandboxStatus rejected = status(condition("CredentialsReady", "False", "UpstreamRejected", message));
        AgentSandboxStatus another = status(condition("CredentialsReady", "False", "UpstreamRejected",
                message + "; gitlab.com answered 403"));

        assertThat(TransitionAnnouncements.between(found, rejected, List.of()))
                .containsExactly(new TransitionAnnouncements.Announcement(true, "UpstreamRejected", message));
        assertThat(TransitionAnnouncements.between(rejected, rejected, List.of())).isEmpty();
        assertThat(TransitionAnnouncements.between(rejected, another, List.of())).singleElement()
                .satisfies(a -> assertThat(a.message()).contains("gitlab.com"));
        assertThat(TransitionAnnouncements.between(rejected, found, List.of())).singleElement().satisfies(a -> {
            assertThat(a.warning()).isFalse();
            assertThat(a.reason()).isEqualTo("UpstreamAccepted");
        });
        assertThat(TransitionAnnouncements.between(found, found, List.of())).isEmpty();
    }
}
