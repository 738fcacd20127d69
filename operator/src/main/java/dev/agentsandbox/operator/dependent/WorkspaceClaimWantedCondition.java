package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** A workspace claim exists when {@code spec.workspace.size} is set, whatever the lifecycle says. */
public class WorkspaceClaimWantedCondition implements Condition<PersistentVolumeClaim, AgentSandbox> {

    @Override
    public boolean isMet(DependentResource<PersistentVolumeClaim, AgentSandbox> dependent, AgentSandbox sandbox,
                         Context<AgentSandbox> context) {
        return PlanHandoff.of(context).workspaceClaimed();
    }
}
