package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.plan.ResolvedCredential;
import dev.agentsandbox.operator.plan.SandboxPlan;
import dev.agentsandbox.sidecar.contract.SidecarMounts;
import io.fabric8.kubernetes.api.model.KeyToPathBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.VolumeProjectionBuilder;

import java.util.ArrayList;
import java.util.List;

/** The sandbox pod's volumes. */
public final class SandboxVolumes {

    public static final String WORKSPACE = "workspace";
    public static final String SIDECAR_CONFIG = "sidecar-config";
    public static final String PROXY_CA = "proxy-ca";
    /** The agent preset's configuration file: its one key of the sidecar ConfigMap, read-only. */
    public static final String AGENT_CONFIG = "agent-config";
    /** The agent's CA bundle: its image's roots and the proxy's CA ({@link AgentTrust}). */
    public static final String AGENT_TRUST = "agent-trust";
    public static final String CREDENTIALS = "credentials";
    /** Each sidecar's /tmp (its root filesystem is read-only; the JVM and Netty write temporary files). */
    public static final String PROXY_TMP = "proxy-tmp";
    public static final String BRIDGE_TMP = "bridge-tmp";

    /** Owner root, group fsGroup, read-only: the proxy reads them through the pod's fsGroup, nobody writes. */
    private static final int CREDENTIAL_FILE_MODE = 0440;

    private SandboxVolumes() {
    }

    public static List<Volume> of(SandboxPlan plan) {
        List<Volume> volumes = new ArrayList<>();
        volumes.add(workspace(plan));
        volumes.add(new VolumeBuilder().withName(SIDECAR_CONFIG)
                .withNewConfigMap().withName(SandboxObjects.configMapName(plan.objectBase())).endConfigMap().build());
        // tmpfs: the CA certificate only; the CA key stays in the proxy's memory.
        volumes.add(new VolumeBuilder().withName(PROXY_CA).withNewEmptyDir().withMedium("Memory").endEmptyDir()
                .build());
        volumes.add(emptyDir(AGENT_TRUST));
        plan.agentSetup().file().ifPresent(file -> volumes.add(new VolumeBuilder().withName(AGENT_CONFIG)
                .withNewConfigMap().withName(SandboxObjects.configMapName(plan.objectBase()))
                .withItems(new KeyToPathBuilder().withKey(file.configMapKey()).withPath(file.fileName()).build())
                .endConfigMap().build()));
        if (!plan.credentials().isEmpty()) {
            volumes.add(credentials(plan.credentials()));
        }
        volumes.add(emptyDir(PROXY_TMP));
        if (plan.model().isPresent()) {
            volumes.add(emptyDir(BRIDGE_TMP));
        }
        return volumes;
    }

    private static Volume emptyDir(String name) {
        return new VolumeBuilder().withName(name).withNewEmptyDir().endEmptyDir().build();
    }

    private static Volume workspace(SandboxPlan plan) {
        VolumeBuilder volume = new VolumeBuilder().withName(WORKSPACE);
        if (plan.workspaceClaimed()) {
            return volume.withNewPersistentVolumeClaim()
                    .withClaimName(SandboxObjects.workspaceClaimName(plan.objectBase())).endPersistentVolumeClaim().build();
        }
        return volume.withNewEmptyDir().endEmptyDir().build();
    }

    /** Only the referenced keys, each at the file its credential rule names. */
    private static Volume credentials(List<ResolvedCredential> credentials) {
        List<VolumeProjection> sources = new ArrayList<>();
        for (ResolvedCredential credential : credentials) {
            sources.add(new VolumeProjectionBuilder().withNewSecret()
                    .withName(credential.secretRef().getName())
                    .withOptional(false)
                    .withItems(new KeyToPathBuilder().withKey(credential.secretRef().getKey())
                            .withPath(SidecarMounts.credentialRelativePath(credential.name(),
                                    credential.secretRef().getKey())).build())
                    .endSecret().build());
        }
        return new VolumeBuilder().withName(CREDENTIALS)
                .withNewProjected().withDefaultMode(CREDENTIAL_FILE_MODE).withSources(sources).endProjected()
                .build();
    }
}
