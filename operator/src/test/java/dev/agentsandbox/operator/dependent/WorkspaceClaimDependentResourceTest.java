package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.WorkspaceSpec;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkspaceClaimDependentResourceTest {

    @Test
    void claimHasTheSizeAndStorageClassOfTheSpec() {
        AgentSandbox sandbox = withWorkspace("10Gi", "fast");

        PersistentVolumeClaim claim = new WorkspaceClaimDependentResource().desired(TestSandboxes.plan(sandbox));

        assertThat(claim.getApiVersion()).isEqualTo("v1");
        assertThat(claim.getKind()).isEqualTo("PersistentVolumeClaim");
        assertThat(claim.getMetadata().getName()).isEqualTo("a-workspace");
        assertThat(claim.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by",
                "agentsandbox-operator");
        assertThat(claim.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
        assertThat(claim.getSpec().getStorageClassName()).isEqualTo("fast");
        assertThat(claim.getSpec().getResources().getRequests()).containsEntry("storage", new Quantity("10Gi"));
    }

    @Test
    void aClaimAsTheApiServerDefaultsAndBindsItMatches() {
        AgentSandbox sandbox = withWorkspace("10Gi", null);
        WorkspaceClaimDependentResource dependent = new WorkspaceClaimDependentResource();
        PersistentVolumeClaim desired = dependent.desired(TestSandboxes.plan(sandbox));

        PersistentVolumeClaim bound = new PersistentVolumeClaimBuilder(desired).editSpec()
                .withStorageClassName("standard").withVolumeMode("Filesystem").withVolumeName("pvc-1")
                .withNewResources().withRequests(Map.of("storage", new Quantity("10", "Gi"))).endResources()
                .endSpec().build();

        assertThat(dependent.match(bound, desired, sandbox, null).matched()).isTrue();
    }

    @Test
    void anotherSizeOrAnotherNamedStorageClassDoesNotMatch() {
        AgentSandbox sandbox = withWorkspace("10Gi", "fast");
        WorkspaceClaimDependentResource dependent = new WorkspaceClaimDependentResource();
        PersistentVolumeClaim desired = dependent.desired(TestSandboxes.plan(sandbox));

        PersistentVolumeClaim smaller = new PersistentVolumeClaimBuilder(desired).editSpec().editResources()
                .withRequests(Map.of("storage", new Quantity("5Gi"))).endResources().endSpec().build();
        PersistentVolumeClaim otherClass = new PersistentVolumeClaimBuilder(desired).editSpec()
                .withStorageClassName("slow").endSpec().build();

        assertThat(dependent.match(smaller, desired, sandbox, null).matched()).isFalse();
        assertThat(dependent.match(otherClass, desired, sandbox, null).matched()).isFalse();
    }

    @Test
    void noClaimWithoutASize() {
        assertThatThrownBy(() -> new WorkspaceClaimDependentResource().desired(TestSandboxes.plan(TestSandboxes.minimal("a"))))
                .hasMessageContaining("spec.workspace.size");
    }

    private static AgentSandbox withWorkspace(String size, String storageClassName) {
        AgentSandbox sandbox = TestSandboxes.minimal("a");
        WorkspaceSpec workspace = new WorkspaceSpec();
        workspace.setSize(new Quantity(size));
        workspace.setStorageClassName(storageClassName);
        sandbox.getSpec().setWorkspace(workspace);
        return sandbox;
    }
}
