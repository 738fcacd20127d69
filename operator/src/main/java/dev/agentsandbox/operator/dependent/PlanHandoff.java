package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.plan.SandboxPlan;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/** Hands the reconcile's {@link SandboxPlan} to the dependents through the JOSDK context. */
public final class PlanHandoff {

    private PlanHandoff() {
    }

    public static void put(Context<AgentSandbox> context, SandboxPlan plan) {
        context.managedWorkflowAndDependentResourceContext().put(SandboxPlan.class, plan);
    }

    public static SandboxPlan of(Context<AgentSandbox> context) {
        return context.managedWorkflowAndDependentResourceContext().getMandatory(SandboxPlan.class, SandboxPlan.class);
    }
}
