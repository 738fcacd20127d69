package dev.agentsandbox.operator.status;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxStatus;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which Events a reconcile announces: a Warning for every check that fails anew (or for a new reason), when
 * egress enforcement falls back to the NetworkPolicy only, and when another NetworkPolicy widens the sandbox's egress
 * (again when the set of such policies changes), a Normal event when that ends and when the sandbox becomes ready,
 * paused or expired. Only transitions: a sandbox that stays broken does not emit an event per reconcile.
 */
public final class TransitionAnnouncements {

    /** An Event to emit: {@code warning} false means Normal. */
    public record Announcement(boolean warning, String reason, String message) {
    }

    private static final Set<String> ANNOUNCED_READY_REASONS = Set.of("PodReady", "Paused", "Expired");

    private TransitionAnnouncements() {
    }

    public static List<Announcement> between(AgentSandboxStatus before, AgentSandboxStatus after, List<CheckResult> checks) {
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
        Optional<SandboxCondition> readyNow = ready(after.getConditions());
        Optional<SandboxCondition> readyBefore = ready(previous);
        if (readyNow.isPresent() && ANNOUNCED_READY_REASONS.contains(readyNow.get().reason())
                && !readyNow.get().reason().equals(readyBefore.map(SandboxCondition::reason).orElse(null))) {
            announcements.add(new Announcement(false, readyNow.get().reason(), readyNow.get().message()));
        }
        return announcements;
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
