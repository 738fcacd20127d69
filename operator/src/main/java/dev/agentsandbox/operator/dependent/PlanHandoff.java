package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.plan.SandboxPlan;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/**
 * Hands the reconcile's {@link SandboxPlan} to the dependents through the JOSDK context: a sandbox's plan to the
 * sandbox's dependents, a pool's plan of its template to the pool's.
 */
public final class PlanHandoff {

    private PlanHandoff() {
    }

    public static <P extends HasMetadata> void put(Context<P> context, SandboxPlan plan) {
        context.managedWorkflowAndDependentResourceContext().put(SandboxPlan.class, plan);
    }

    public static <P extends HasMetadata> SandboxPlan of(Context<P> context) {
        return context.managedWorkflowAndDependentResourceContext().getMandatory(SandboxPlan.class, SandboxPlan.class);
    }
}
