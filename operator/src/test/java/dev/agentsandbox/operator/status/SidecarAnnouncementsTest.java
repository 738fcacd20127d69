package dev.agentsandbox.operator.status;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxStatus;
import dev.agentsandbox.operator.api.v1alpha1.EgressStatus;
import dev.agentsandbox.operator.api.v1alpha1.EgressStatus.HostDenials;
import dev.agentsandbox.operator.api.v1alpha1.ModelUsageStatus;
import dev.agentsandbox.operator.status.TransitionAnnouncements.Announcement;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class SidecarAnnouncementsTest {

    private static AgentSandboxStatus status(EgressStatus egress, ModelUsageStatus model) {
        AgentSandboxStatus status = new AgentSandboxStatus();
        status.setPodName("a-sandbox");
        status.setEgress(egress);
        status.setModel(model);
        return status;
    }

    private static EgressStatus denials(Integer restarts, HostDenials... hosts) {
        return new EgressStatus(0L, 0L, List.of(), List.of(), List.of(hosts), Map.of(), restarts, null);
    }

    private static HostDenials host(String name, long count) {
        return new HostDenials(name, "host-not-allowed", count, "2026-11-01T10:00:00Z");
    }

    private static ModelUsageStatus usage(long tokens, long modelRefusals, Integer restarts) {
        return new ModelUsageStatus(1L, tokens, 0L, 0L, tokens, Map.of("model_not_allowed", modelRefusals), List.of(),
                restarts, null);
    }

    private static List<Announcement> between(AgentSandboxStatus before, AgentSandboxStatus after) {
        return TransitionAnnouncements.between(before, after, List.of(), 1000L);
    }

    @Test
    void aHostDeniedSinceTheLastReportIsAWarningKeyedOnTheHost() {
        AgentSandboxStatus before = status(denials(0, host("evil.example", 3)), null);
        AgentSandboxStatus after = status(denials(0, host("evil.example", 40), host("pypi.org", 3)), null);

        assertThat(between(before, after)).containsExactly(
                new Announcement(true, "EgressDenied", "the egress proxy denied evil.example (host-not-allowed), 40"
                        + " times since it started; add it to spec.egress.allow if the agent needs it", "evil.example"),
                new Announcement(true, "EgressDenied", "the egress proxy denied pypi.org (host-not-allowed), 3"
                        + " times since it started; add it to spec.egress.allow if the agent needs it", "pypi.org"));
        assertThat(between(after, after)).isEmpty();
    }

    @Test
    void manyDeniedHostsAreAFewEventsAndACount() {
        HostDenials[] hosts = IntStream.range(0, 10).mapToObj(i -> host("h" + i + ".example", 100 + i))
                .toArray(HostDenials[]::new);

        List<Announcement> announced = between(status(denials(0), null), status(denials(0, hosts), null));

        assertThat(announced).hasSize(SidecarAnnouncements.HOSTS_PER_REPORT + 1);
        assertThat(announced.get(0).key()).isEqualTo("h9.example");
        assertThat(announced.get(SidecarAnnouncements.HOSTS_PER_REPORT).message()).contains("denied 7 more hosts");
    }

    @Test
    void aSidecarRestartIsAWarningAndItsCountersCountAfresh() {
        AgentSandboxStatus before = status(denials(0, host("evil.example", 40)), usage(10, 0, 0));
        AgentSandboxStatus after = status(denials(1, host("evil.example", 2)), usage(5, 0, 2));

        List<Announcement> announced = between(before, after);

        assertThat(announced).extracting(Announcement::reason)
                .containsExactly("ProxyRestarted", "BridgeRestarted", "EgressDenied");
        assertThat(announced.get(0).message()).contains("restart count 1")
                .contains("kubectl logs a-sandbox -c egress-proxy --previous");
    }

    @Test
    void aModelOutsideTheAllowListIsAWarningPerReportWithNewRefusals() {
        assertThat(between(status(null, usage(0, 2, 0)), status(null, usage(0, 5, 0))))
                .singleElement().satisfies(a -> {
                    assertThat(a.reason()).isEqualTo("ModelNotAllowed");
                    assertThat(a.message()).contains("refused 3 requests").contains("(5 since it started)");
                });
        assertThat(between(status(null, usage(0, 5, 0)), status(null, usage(0, 5, 0)))).isEmpty();
    }

    @Test
    void theTokenBudgetIsAnnouncedAt80PercentAndWhenSpentOnceEach() {
        assertThat(between(status(null, usage(700, 0, 0)), status(null, usage(800, 0, 0))))
                .extracting(Announcement::reason).containsExactly("TokenBudgetLow");
        assertThat(between(status(null, usage(800, 0, 0)), status(null, usage(900, 0, 0)))).isEmpty();
        assertThat(between(status(null, usage(900, 0, 0)), status(null, usage(1000, 0, 0))))
                .extracting(Announcement::reason).containsExactly("TokenBudgetSpent");
        assertThat(between(status(null, usage(100, 0, 0)), status(null, usage(1200, 0, 0))))
                .as("both thresholds at once: the one that matters").extracting(Announcement::reason)
                .containsExactly("TokenBudgetSpent");
        assertThat(TransitionAnnouncements.between(status(null, usage(0, 0, 0)), status(null, usage(1200, 0, 0)),
                List.of(), null)).as("no budget").isEmpty();
    }
}
