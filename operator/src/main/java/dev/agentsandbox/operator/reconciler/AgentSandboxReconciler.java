package dev.agentsandbox.operator.reconciler;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

/** Reconciles an AgentSandbox into its sandbox pod and the objects around it. */
@ControllerConfiguration(name = AgentSandboxReconciler.NAME)
public class AgentSandboxReconciler implements Reconciler<AgentSandbox> {

    public static final String NAME = "agentsandbox";

    @Override
    public UpdateControl<AgentSandbox> reconcile(AgentSandbox sandbox, Context<AgentSandbox> context) {
        return UpdateControl.noUpdate();
    }
}
