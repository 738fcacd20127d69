package dev.agentsandbox.operator.status;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxStatus;
import dev.agentsandbox.operator.api.v1alpha1.EgressStatus;
import dev.agentsandbox.operator.api.v1alpha1.EgressStatus.HostDenials;
import dev.agentsandbox.operator.api.v1alpha1.ModelUsageStatus;
import dev.agentsandbox.operator.status.TransitionAnnouncements.Announcement;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The Events a person must act on, derived from the difference between the sidecars' counters in the old and the
 * new status (part of {@link TransitionAnnouncements}): hosts the proxy denied since the last report, requests for
 * a model outside the allow list, the token budget at 80 % and spent, a sidecar container's restart. Each is
 * announced once per change; a looping agent changes the counters on every report, so denials carry a key that
 * the recorder's per-sandbox budget aggregates on (one Event per host per window).
 */
final class SidecarAnnouncements {

    static final String EGRESS_DENIED = "EgressDenied";
    static final String MODEL_NOT_ALLOWED = "ModelNotAllowed";
    static final String TOKEN_BUDGET_LOW = "TokenBudgetLow";
    static final String TOKEN_BUDGET_SPENT = "TokenBudgetSpent";
    static final String PROXY_RESTARTED = "ProxyRestarted";
    static final String BRIDGE_RESTARTED = "BridgeRestarted";
    /** The bridge's error code for a model outside {@code spec.model.allowed}. */
    static final String MODEL_NOT_ALLOWED_CODE = "model_not_allowed";
    /** The most denied hosts announced per report; the rest are named by count only. */
    static final int HOSTS_PER_REPORT = 3;
    private static final double LOW_BUDGET_SHARE = 0.8;

    private SidecarAnnouncements() {
    }

    static List<Announcement> between(AgentSandboxStatus before, AgentSandboxStatus after, Long tokenBudget) {
        List<Announcement> announcements = new ArrayList<>();
        EgressStatus egressBefore = before == null ? null : before.getEgress();
        ModelUsageStatus modelBefore = before == null ? null : before.getModel();
        EgressStatus egress = after.getEgress();
        ModelUsageStatus model = after.getModel();
        boolean proxyRestarted = egress != null && restarted(egressBefore == null ? null : egressBefore.restarts(),
                egress.restarts());
        boolean bridgeRestarted = model != null && restarted(modelBefore == null ? null : modelBefore.restarts(),
                model.restarts());
        if (proxyRestarted) {
            announcements.add(restart(PROXY_RESTARTED, "egress-proxy", egress.restarts(), after.getPodName()));
        }
        if (bridgeRestarted) {
            announcements.add(restart(BRIDGE_RESTARTED, "model-bridge", model.restarts(), after.getPodName()));
        }
        if (egress != null) {
            // After a restart the old counts are gone: every count is new.
            denials(proxyRestarted || egressBefore == null ? List.of() : egressBefore.deniedHosts(),
                    egress.deniedHosts(), announcements);
        }
        if (model != null) {
            ModelUsageStatus previous = bridgeRestarted ? null : modelBefore;
            modelRefusals(previous, model, announcements);
            budget(previous, model, tokenBudget, announcements);
        }
        return announcements;
    }

    private static Announcement restart(String reason, String container, int count, String pod) {
        return new Announcement(true, reason, "the " + container + " container restarted (restart count " + count
                + "); its counters start again from zero. Its last words: kubectl logs " + pod + " -c " + container
                + " --previous");
    }

    private static boolean restarted(Integer before, Integer now) {
        return before != null && now != null && now > before;
    }

    private static void denials(List<HostDenials> before, List<HostDenials> now, List<Announcement> announcements) {
        List<HostDenials> risen = now.stream().filter(h -> h.count() != null && h.count() > countOf(before, h.host()))
                .sorted(Comparator.comparing((HostDenials h) -> h.count() - countOf(before, h.host())).reversed())
                .toList();
        for (HostDenials host : risen.stream().limit(HOSTS_PER_REPORT).toList()) {
            announcements.add(new Announcement(true, EGRESS_DENIED, "the egress proxy denied "
                    + describeHost(host.host()) + " (" + host.reason() + "), " + host.count() + " times since it"
                    + " started; add it to spec.egress.allow if the agent needs it", host.host()));
        }
        if (risen.size() > HOSTS_PER_REPORT) {
            announcements.add(new Announcement(true, EGRESS_DENIED, "the egress proxy denied "
                    + (risen.size() - HOSTS_PER_REPORT) + " more hosts since the last report; see"
                    + " status.egress.deniedHosts", "more-hosts"));
        }
    }

    private static String describeHost(String host) {
        return "_other".equals(host) ? "hosts beyond the 50 it counts one by one" : host;
    }

    private static long countOf(List<HostDenials> hosts, String host) {
        return hosts.stream().filter(h -> Objects.equals(h.host(), host)).map(HostDenials::count)
                .filter(Objects::nonNull).findFirst().orElse(0L);
    }

    private static void modelRefusals(ModelUsageStatus before, ModelUsageStatus now, List<Announcement> announcements) {
        long refusedNow = refusedCount(now.refused());
        long refusedBefore = before == null ? 0 : refusedCount(before.refused());
        if (refusedNow > refusedBefore) {
            announcements.add(new Announcement(true, MODEL_NOT_ALLOWED, "the model bridge refused "
                    + (refusedNow - refusedBefore) + " requests for a model outside spec.model.allowed since the last"
                    + " report (" + refusedNow + " since it started); allow the model or configure the agent to use"
                    + " spec.model.default"));
        }
    }

    private static long refusedCount(Map<String, Long> refused) {
        return Optional.ofNullable(refused.get(MODEL_NOT_ALLOWED_CODE)).orElse(0L);
    }

    private static void budget(ModelUsageStatus before, ModelUsageStatus now, Long tokenBudget,
                               List<Announcement> announcements) {
        if (tokenBudget == null || now.tokensUsed() == null) {
            return;
        }
        long used = now.tokensUsed();
        long usedBefore = before == null || before.tokensUsed() == null ? 0 : before.tokensUsed();
        long low = (long) Math.ceil(tokenBudget * LOW_BUDGET_SHARE);
        if (used >= tokenBudget && usedBefore < tokenBudget) {
            announcements.add(new Announcement(true, TOKEN_BUDGET_SPENT, "the token budget is spent (" + used
                    + " of spec.model.tokenBudget " + tokenBudget + " tokens): the model bridge refuses further"
                    + " requests; raise the budget to go on"));
        } else if (used >= low && usedBefore < low && used < tokenBudget) {
            announcements.add(new Announcement(true, TOKEN_BUDGET_LOW, "80 % of the token budget is used (" + used
                    + " of spec.model.tokenBudget " + tokenBudget + " tokens)"));
        }
    }
}
