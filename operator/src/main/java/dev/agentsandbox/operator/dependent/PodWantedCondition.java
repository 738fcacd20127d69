package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** The pod exists only while the sandbox runs: when this is not met, JOSDK deletes it (Paused, expired). */
public class PodWantedCondition implements Condition<Pod, AgentSandbox> {

    @Override
    public boolean isMet(DependentResource<Pod, AgentSandbox> dependent, AgentSandbox sandbox,
                         Context<AgentSandbox> context) {
        return PlanHandoff.of(context).podWanted();
    }
}
