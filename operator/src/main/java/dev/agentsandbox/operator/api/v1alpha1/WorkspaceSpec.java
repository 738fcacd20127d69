package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;

/** The agent's working directory. */
@JsonInclude(JsonInclude.Include.NON_NULL)
// At the workspace, not at the field: a transition rule on a field runs only when the field is set before and
// after, so adding or removing storageClassName would slip through (a real API server showed it).
@ValidationRule(value = "(has(self.storageClassName) ? self.storageClassName : '')"
        + " == (has(oldSelf.storageClassName) ? oldSelf.storageClassName : '')",
        message = "spec.workspace.storageClassName is immutable: delete and recreate the sandbox to change it",
        fieldPath = ".storageClassName")
public class WorkspaceSpec {

    public static final String DEFAULT_MOUNT_PATH = "/workspace";

    @JsonPropertyDescription("Where the workspace is mounted in the agent container.")
    @Default(DEFAULT_MOUNT_PATH)
    @Pattern("^/[^:]*$")
    @Size(max = 1024)
    private String mountPath = DEFAULT_MOUNT_PATH;

    @JsonPropertyDescription("Size of a PersistentVolumeClaim owned by the sandbox, kept while it is paused."
            + " Omitted: an emptyDir, lost with the pod.")
    @ValidationRule(value = "isQuantity(string(self)) && quantity(string(self)).isGreaterThan(quantity('0'))",
            message = "spec.workspace.size must be a positive quantity such as 10Gi")
    private Quantity size;

    @JsonPropertyDescription("StorageClass of the workspace claim. Omitted: the cluster default. Immutable.")
    @Pattern(Validation.DNS_SUBDOMAIN)
    @Size(max = 253)
    private String storageClassName;

    @JsonPropertyDescription("A Git repository cloned into the workspace before the agent starts, through the"
            + " egress proxy (its host must be allowed).")
    private GitSpec git;

    public String getMountPath() {
        return mountPath;
    }

    public void setMountPath(String mountPath) {
        this.mountPath = mountPath;
    }

    public Quantity getSize() {
        return size;
    }

    public void setSize(Quantity size) {
        this.size = size;
    }

    public String getStorageClassName() {
        return storageClassName;
    }

    public void setStorageClassName(String storageClassName) {
        this.storageClassName = storageClassName;
    }

    public GitSpec getGit() {
        return git;
    }

    public void setGit(GitSpec git) {
        this.git = git;
    }
}
