package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.WorkspaceSpec;
import dev.agentsandbox.operator.plan.SandboxPlan;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

import java.util.Map;
import java.util.Objects;

/**
 * {@code <name>-workspace}, only when {@code spec.workspace.size} is set. Independent of the pod's lifecycle:
 * kept while Paused and after an expiry with shutdownPolicy Pause; gone with the AgentSandbox (owner reference).
 */
@KubernetesDependent(informer = @Informer(labelSelector = SandboxObjects.MANAGED_SELECTOR))
public class WorkspaceClaimDependentResource
        extends PlannedDependentResource<PersistentVolumeClaim> {

    public static final String NAME = "workspace-claim";

    public WorkspaceClaimDependentResource() {
        super(PersistentVolumeClaim.class);
    }

    @Override
    public PersistentVolumeClaim desired(SandboxPlan plan) {
        WorkspaceSpec workspace = plan.workspace().filter(w -> w.getSize() != null).orElseThrow(
                () -> new IllegalStateException("workspace claim of " + plan.name() + " without spec.workspace.size"));
        return new PersistentVolumeClaimBuilder()
                .withApiVersion("v1").withKind("PersistentVolumeClaim")
                .withMetadata(SandboxObjects.metadata(SandboxObjects.workspaceClaimName(plan.objectBase()),
                        plan.namespace(), plan.name()))
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withStorageClassName(workspace.getStorageClassName())
                .withNewResources().withRequests(Map.of("storage", workspace.getSize())).endResources()
                .endSpec()
                .build();
    }

    /**
     * The fields the operator sets: access modes, the requested size (a larger one expands the claim where its
     * StorageClass allows) and the StorageClass when the spec names one (the API server fills in the default
     * otherwise, and binding adds the volume). Not JOSDK's default (server-side apply) matcher: the operator's client
     * does not keep the field sets it compares against ({@code config/ManagedFieldSetsDropped}).
     */
    @Override
    public Matcher.Result<PersistentVolumeClaim> match(PersistentVolumeClaim actual, PersistentVolumeClaim desired,
                                                       AgentSandbox primary, Context<AgentSandbox> context) {
        PersistentVolumeClaimSpec want = desired.getSpec();
        PersistentVolumeClaimSpec have = actual.getSpec();
        boolean same = have != null && Objects.equals(have.getAccessModes(), want.getAccessModes())
                && have.getResources() != null
                && Objects.equals(have.getResources().getRequests(), want.getResources().getRequests())
                && (want.getStorageClassName() == null
                || want.getStorageClassName().equals(have.getStorageClassName()));
        return Matcher.Result.computed(same, desired);
    }
}
