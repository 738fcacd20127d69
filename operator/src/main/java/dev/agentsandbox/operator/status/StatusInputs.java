package dev.agentsandbox.operator.status;

import dev.agentsandbox.operator.api.v1alpha1.EgressStatus;
import dev.agentsandbox.operator.api.v1alpha1.ModelUsageStatus;
import dev.agentsandbox.operator.plan.EffectiveEnforcement;
import dev.agentsandbox.operator.plan.LifecycleState;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;

import java.util.List;

/**
 * What the status is computed from, as observed in this reconcile.
 *
 * @param checks       RuntimeReady, CredentialsReady, ModelRunnerReady, EgressReady verdicts
 * @param enforcement  the egress enforcement the pod is built with
 * @param pod          null when there is no pod
 * @param claim        null when there is no workspace claim
 * @param claimWanted  spec.workspace.size is set
 * @param policyApplied the sidecar ConfigMap and the NetworkPolicy exist
 * @param wideningPolicies other NetworkPolicies that select the pod and allow egress (see {@link WideningPolicies})
 * @param egress       what the proxy reported now; null: keep the last report
 * @param model        what the bridge reported now; null: keep the last report
 */
public record StatusInputs(long generation, String runtimeClassName, List<CheckResult> checks,
                           EffectiveEnforcement enforcement, LifecycleState.Stage stage, Pod pod, PersistentVolumeClaim claim, boolean claimWanted,
                           boolean policyApplied, List<String> wideningPolicies, EgressStatus egress,
                           ModelUsageStatus model) {

    public StatusInputs {
        wideningPolicies = List.copyOf(wideningPolicies);
    }
}
