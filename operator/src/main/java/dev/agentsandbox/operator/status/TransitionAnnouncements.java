package dev.agentsandbox.operator.status;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxStatus;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which Events a reconcile announces: a Warning for every check that fails anew (or for a new reason), when
 * egress enforcement falls back to the NetworkPolicy only, when another NetworkPolicy widens the sandbox's egress
 * (again when the set of such policies changes) and when an upstream rejects an injected credential (anew, or another
 * one), a Normal event when the widening ends, when the sandbox becomes ready, paused or expired, when its agent
 * ends for good (a Warning when it failed) and when a rejected
 * credential is accepted again; and what the sidecars report that a person must act on ({@link
 * SidecarAnnouncements}). Only transitions: a sandbox that stays broken does not emit an event per reconcile.
 */
public final class TransitionAnnouncements {

    /**
     * An Event to emit: {@code warning} false means Normal.
     *
     * @param key what the recorder aggregates repeated Events of one reason on (e.g. the denied host); null: the
     *            message
     */
    public record Announcement(boolean warning, String reason, String message, String key) {

        public Announcement(boolean warning, String reason, String message) {
            this(warning, reason, message, null);
        }
    }

    private static final Set<String> ANNOUNCED_READY_REASONS = Set.of("PodReady", "Paused", "Expired",
            SandboxStatusAggregator.IDLE, SandboxStatusAggregator.AGENT_SUCCEEDED,
            SandboxStatusAggregator.AGENT_FAILED);
    /** Of those, the ones a person must act on. */
    private static final Set<String> WARNING_READY_REASONS = Set.of(SandboxStatusAggregator.AGENT_FAILED);

    private TransitionAnnouncements() {
    }

    public static List<Announcement> between(AgentSandboxStatus before, AgentSandboxStatus after, List<CheckResult> checks) {
        return between(before, after, checks, null);
    }

    /** @param tokenBudget spec.model.tokenBudget, null for none */
    public static List<Announcement> between(AgentSandboxStatus before, AgentSandboxStatus after,
                                             List<CheckResult> checks, Long tokenBudget) {
        List<SandboxCondition> previous = before == null ? List.of() : before.getConditions();
        List<Announcement> announcements = new ArrayList<>();
        for (CheckResult check : checks) {
            boolean known = previous.stream().anyMatch(c -> c.type().equals(check.conditionType())
                    && SandboxCondition.FALSE.equals(c.status()) && check.reason().equals(c.reason())
                    && check.message().equals(c.message()));
            if (!check.passed() && !known) {
                announcements.add(new Announcement(true, check.reason(), check.message()));
            }
        }
        Optional<SandboxCondition> egressNow = condition(after.getConditions(), ConditionTypes.EGRESS_READY);
        Optional<SandboxCondition> egressBefore = condition(previous, ConditionTypes.EGRESS_READY);
        if (egressNow.isPresent() && EgressReadiness.weakerThanAsked(egressNow.get())
                && !reasonOf(egressBefore).equals(egressNow.get().reason())) {
            announcements.add(new Announcement(true, egressNow.get().reason(), egressNow.get().message()));
        }
        if (egressNow.isPresent() && EgressReadiness.widened(egressNow.get())
                && !egressBefore.map(SandboxCondition::message).equals(Optional.of(egressNow.get().message()))) {
            announcements.add(new Announcement(true, egressNow.get().reason(), egressNow.get().message()));
        }
        if (egressBefore.isPresent() && EgressReadiness.widened(egressBefore.get())
                && egressNow.isPresent() && SandboxCondition.TRUE.equals(egressNow.get().status())) {
            announcements.add(new Announcement(false, EgressReadiness.EGRESS_NARROWED,
                    "no other NetworkPolicy widens the sandbox's egress any more"));
        }
        announceUpstreamCredentials(condition(previous, ConditionTypes.CREDENTIALS_READY),
                condition(after.getConditions(), ConditionTypes.CREDENTIALS_READY), announcements);
        Optional<SandboxCondition> readyNow = ready(after.getConditions());
        Optional<SandboxCondition> readyBefore = ready(previous);
        if (readyNow.isPresent() && ANNOUNCED_READY_REASONS.contains(readyNow.get().reason())
                && !readyNow.get().reason().equals(readyBefore.map(SandboxCondition::reason).orElse(null))) {
            announcements.add(new Announcement(WARNING_READY_REASONS.contains(readyNow.get().reason()),
                    readyNow.get().reason(), readyNow.get().message()));
        }
        announcements.addAll(SidecarAnnouncements.between(before, after, tokenBudget));
        return announcements;
    }

    private static void announceUpstreamCredentials(Optional<SandboxCondition> before, Optional<SandboxCondition> now,
                                                    List<Announcement> announcements) {
        boolean wasRejected = before.filter(c -> UpstreamCredentials.REJECTED.equals(c.reason())).isPresent();
        if (now.isEmpty()) {
            return;
        }
        SandboxCondition credentials = now.get();
        if (UpstreamCredentials.REJECTED.equals(credentials.reason())) {
            if (!wasRejected || !credentials.message().equals(before.get().message())) {
                announcements.add(new Announcement(true, credentials.reason(), credentials.message()));
            }
        } else if (wasRejected && SandboxCondition.TRUE.equals(credentials.status())) {
            announcements.add(new Announcement(false, UpstreamCredentials.ACCEPTED, "the upstream no longer"
                    + " rejects the credentials: a later request succeeded or the Secret changed"));
        }
    }

    private static Optional<SandboxCondition> ready(List<SandboxCondition> conditions) {
        return condition(conditions, ConditionTypes.READY);
    }

    private static Optional<SandboxCondition> condition(List<SandboxCondition> conditions, String type) {
        return conditions.stream().filter(c -> type.equals(c.type())).findFirst();
    }

    private static String reasonOf(Optional<SandboxCondition> condition) {
        return condition.map(SandboxCondition::reason).orElse("");
    }
}
