package dev.agentsandbox.operator.status;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxPoolStatus;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Turns what a pool reconcile observed into the pool's status: the counts for /scale and the Ready condition. */
public final class PoolStatusAggregator {

    public static final String TEMPLATE_NOT_FOUND = "TemplateNotFound";
    public static final String REPLICAS_ABOVE_LIMIT = "ReplicasAboveLimit";

    /**
     * @param templateName the pool's spec.templateRef.name
     * @param blocked      the first failed verdict that keeps the pool from making pods (template missing, an input
     *                     check of the template); empty when it may
     * @param requested    spec.replicas; @param limit the operator's agentsandbox.pool.max-replicas
     * @param ready        unclaimed ready pods; @param warming unclaimed pods still starting
     * @param updated      unclaimed pods of the template as it is now
     */
    public record PoolInputs(long generation, String templateName, Optional<CheckResult> blocked, int requested,
                             int limit, int ready, int warming, int updated, String selector) {
    }

    private PoolStatusAggregator() {
    }

    public static CheckResult templateMissing(String namespace, String templateName) {
        return CheckResult.failed(ConditionTypes.READY, TEMPLATE_NOT_FOUND, "AgentSandboxTemplate " + namespace + "/"
                + templateName + " (spec.templateRef.name) does not exist: no warm pod is made; create the template"
                + " or point spec.templateRef at one");
    }

    public static AgentSandboxPoolStatus aggregate(PoolInputs in, AgentSandboxPoolStatus previous, Instant now) {
        List<SandboxCondition> before = previous == null ? List.of() : previous.getConditions();
        AgentSandboxPoolStatus status = new AgentSandboxPoolStatus();
        status.setObservedGeneration(in.generation());
        status.setReplicas(in.ready() + in.warming());
        status.setReadyReplicas(in.ready());
        status.setWarmingReplicas(in.warming());
        status.setUpdatedReplicas(in.updated());
        status.setSelector(in.selector());
        status.setConditions(List.of(ready(in, before, now)));
        return status;
    }

    /** The pool's Ready reason that deserves a Warning Event when it first appears. */
    public static Optional<SandboxCondition> newRefusal(AgentSandboxPoolStatus before, AgentSandboxPoolStatus after) {
        SandboxCondition now = after.getConditions().get(0);
        boolean refusal = !now.isTrue() && !"Warming".equals(now.reason());
        boolean known = before != null && before.getConditions().stream()
                .anyMatch(c -> c.type().equals(now.type()) && c.reason().equals(now.reason())
                        && c.message().equals(now.message()));
        return refusal && !known ? Optional.of(now) : Optional.empty();
    }

    private static SandboxCondition ready(PoolInputs in, List<SandboxCondition> before, Instant now) {
        String type = ConditionTypes.READY;
        if (in.blocked().isPresent()) {
            CheckResult verdict = in.blocked().get();
            return Conditions.of(before, type, false, verdict.reason(), verdict.message(), in.generation(), now);
        }
        if (in.requested() > in.limit()) {
            return Conditions.of(before, type, false, REPLICAS_ABOVE_LIMIT, "spec.replicas " + in.requested()
                    + " is above the operator's limit agentsandbox.pool.max-replicas (" + in.limit() + "): keeping "
                    + in.limit() + " warm pods; lower spec.replicas or raise the setting", in.generation(), now);
        }
        int wanted = in.requested();
        if (in.ready() < wanted || in.updated() < wanted) {
            return Conditions.of(before, type, false, "Warming", in.ready() + " of " + wanted
                    + " warm pods ready (" + in.updated() + " of the template as it is now)", in.generation(), now);
        }
        return Conditions.of(before, type, true, "PoolReady", wanted + " warm pods ready", in.generation(), now);
    }
}
