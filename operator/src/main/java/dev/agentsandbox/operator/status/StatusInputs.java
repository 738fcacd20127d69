package dev.agentsandbox.operator.status;

import dev.agentsandbox.operator.api.v1alpha1.AgentCpuStatus;
import dev.agentsandbox.operator.api.v1alpha1.AgentExitStatus;
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
 * @param credentialSecrets each credential's Secret and when it last changed (a change clears an upstream's rejection)
 * @param restarts     the sidecar containers' restart counts
 * @param idledAfter   spec.lifecycle.idleTimeout when the operator paused the sandbox for idleness; else null
 * @param warmStart    how a sandbox of a template got its pod; null without a template or before it is decided
 * @param agentCpu     the agent's CPU as idle suspend counts it (see {@code plan/IdleTimer#cpu}); null without
 *                     spec.lifecycle.idleCpuThreshold
 * @param agentExit    how the agent ended for good ({@link AgentExits}); null while it may still run
 */
public record StatusInputs(long generation, String runtimeClassName, List<CheckResult> checks,
                           EffectiveEnforcement enforcement, LifecycleState.Stage stage, Pod pod, PersistentVolumeClaim claim, boolean claimWanted,
                           boolean policyApplied, List<String> wideningPolicies, EgressStatus egress,
                           ModelUsageStatus model, List<UpstreamCredentials.CredentialSecret> credentialSecrets,
                           SidecarRestarts restarts, String idledAfter, AgentCpuStatus agentCpu,
                           WarmStart warmStart, AgentExitStatus agentExit) {

    public StatusInputs {
        wideningPolicies = List.copyOf(wideningPolicies);
        credentialSecrets = credentialSecrets == null ? List.of() : List.copyOf(credentialSecrets);
        restarts = restarts == null ? SidecarRestarts.UNKNOWN : restarts;
    }

    /** Without credential Secrets to compare an upstream's rejection with. */
    public StatusInputs(long generation, String runtimeClassName, List<CheckResult> checks,
                        EffectiveEnforcement enforcement, LifecycleState.Stage stage, Pod pod,
                        PersistentVolumeClaim claim, boolean claimWanted, boolean policyApplied,
                        List<String> wideningPolicies, EgressStatus egress, ModelUsageStatus model) {
        this(generation, runtimeClassName, checks, enforcement, stage, pod, claim, claimWanted, policyApplied,
                wideningPolicies, egress, model, List.of(), SidecarRestarts.UNKNOWN, null, null, null, null);
    }
}
