package dev.agentsandbox.operator.plan;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxSpec;
import dev.agentsandbox.operator.api.v1alpha1.WorkspaceSpec;

import java.util.List;
import java.util.Optional;

/**
 * Everything the desired objects of one sandbox are built from: the spec with the operator's defaults applied and
 * the presets expanded. Built once per reconcile by {@link SandboxPlanner}; the dependents' {@code desired()} are
 * pure functions of it.
 *
 * @param runtimeClassName the effective RuntimeClass (spec value or the operator default)
 * @param runner           null when the sandbox has no model section (then: no bridge)
 * @param enforcement      the egress enforcement this sandbox gets (spec, operator and RuntimeClass together)
 * @param podWanted        false while Paused or after an expiry with shutdownPolicy Pause
 * @param objectBase       what the pod, the sidecar ConfigMap, the NetworkPolicy and the workspace claim are named
 *                         after: the sandbox's own name, or the warm slot of a pool whose pod it adopted (a pod's
 *                         volumes name its ConfigMap and claim, and the slot's policy selects the pod from before
 *                         its claim, so the adopted ones keep their names)
 */
public record SandboxPlan(AgentSandbox sandbox, String runtimeClassName, ResolvedRunner runner,
                          List<ResolvedCredential> credentials, SandboxSettings settings,
                          EffectiveEnforcement enforcement, boolean podWanted, String objectBase) {

    public SandboxPlan {
        credentials = List.copyOf(credentials);
        objectBase = objectBase == null ? sandbox.getMetadata().getName() : objectBase;
    }

    /** A sandbox whose objects are named after itself (it adopted no warm pod). */
    public SandboxPlan(AgentSandbox sandbox, String runtimeClassName, ResolvedRunner runner,
                       List<ResolvedCredential> credentials, SandboxSettings settings,
                       EffectiveEnforcement enforcement, boolean podWanted) {
        this(sandbox, runtimeClassName, runner, credentials, settings, enforcement, podWanted, null);
    }

    /** The same plan with the pod, ConfigMap, NetworkPolicy and claim named after {@code base}. */
    public SandboxPlan withObjectBase(String base) {
        return new SandboxPlan(sandbox, runtimeClassName, runner, credentials, settings, enforcement, podWanted, base);
    }

    /** Whether the sandbox's objects are a warm slot's it adopted. */
    public boolean adopted() {
        return !objectBase.equals(name());
    }

    public String name() {
        return sandbox.getMetadata().getName();
    }

    public String namespace() {
        return sandbox.getMetadata().getNamespace();
    }

    public AgentSandboxSpec spec() {
        return sandbox.getSpec();
    }

    public Optional<ResolvedRunner> model() {
        return Optional.ofNullable(runner);
    }

    /** What {@code spec.agent.preset} adds to the agent container. */
    public AgentSetup agentSetup() {
        return AgentPresets.expand(spec().getAgent().getPreset(), spec().getModel());
    }

    public Optional<WorkspaceSpec> workspace() {
        return Optional.ofNullable(spec().getWorkspace());
    }

    /** A PersistentVolumeClaim backs the workspace (else an emptyDir). */
    public boolean workspaceClaimed() {
        return workspace().map(w -> w.getSize() != null).orElse(false);
    }

    public String workspaceMountPath() {
        return workspace().map(WorkspaceSpec::getMountPath).filter(p -> !p.isBlank())
                .orElse(WorkspaceSpec.DEFAULT_MOUNT_PATH);
    }
}
