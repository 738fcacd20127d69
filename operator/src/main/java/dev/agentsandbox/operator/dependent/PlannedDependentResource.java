package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.plan.SandboxPlan;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/**
 * A child of a sandbox whose desired state is a pure function of the reconcile's {@link SandboxPlan}: no cluster
 * reads, no clock, so every {@link #desired(SandboxPlan)} can be unit-tested field by field.
 */
public abstract class PlannedDependentResource<R extends HasMetadata>
        extends CRUDKubernetesDependentResource<R, AgentSandbox> {

    protected PlannedDependentResource(Class<R> type) {
        super(type);
    }

    @Override
    protected final R desired(AgentSandbox sandbox, Context<AgentSandbox> context) {
        return desired(PlanHandoff.of(context));
    }

    /** The object as it should be; set apiVersion and kind, and nothing the API server defaults differently. */
    public abstract R desired(SandboxPlan plan);
}
