package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxPool;
import dev.agentsandbox.operator.plan.SandboxPlan;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/** Hands a pool reconcile's plan of its template to the pool's dependents through the JOSDK context. */
public final class PoolHandoff {

    private PoolHandoff() {
    }

    public static void put(Context<AgentSandboxPool> context, SandboxPlan template) {
        context.managedWorkflowAndDependentResourceContext().put(SandboxPlan.class, template);
    }

    public static SandboxPlan of(Context<AgentSandboxPool> context) {
        return context.managedWorkflowAndDependentResourceContext().getMandatory(SandboxPlan.class, SandboxPlan.class);
    }
}
