package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.plan.SandboxPlan;
import dev.agentsandbox.sidecar.config.EgressInitArgs;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;

import java.util.ArrayList;
import java.util.List;

/**
 * The operator's own containers in the sandbox pod: the egress proxy and the model bridge as native sidecars
 * (init containers with {@code restartPolicy: Always}, started before the agent), and egress-init.
 */
public final class SidecarContainers {

    public static final String PROXY = "egress-proxy";
    public static final String BRIDGE = "model-bridge";
    public static final String EGRESS_INIT = "egress-init";

    private static final String ALWAYS = "Always";
    private static final String TMP = "/tmp";

    private SidecarContainers() {
    }

    public static Container proxy(SandboxPlan plan) {
        List<VolumeMount> mounts = new ArrayList<>();
        mounts.add(mount(SandboxVolumes.SIDECAR_CONFIG, SidecarPaths.CONFIG_DIR, true));
        mounts.add(mount(SandboxVolumes.PROXY_CA, SidecarPaths.CA_DIR, false));
        mounts.add(mount(SandboxVolumes.PROXY_TMP, TMP, false));
        if (!plan.credentials().isEmpty()) {
            // The only container that mounts the credential Secrets.
            mounts.add(mount(SandboxVolumes.CREDENTIALS, SidecarPaths.CREDENTIALS_DIR, true));
        }
        return sidecar(plan, PROXY, SidecarPaths.PROXY_UID, SidecarPaths.PROXY_ADMIN_PORT, mounts,
                "proxy", "--config", SidecarPaths.PROXY_CONFIG, "--ca-dir", SidecarPaths.CA_DIR,
                "--listen", "127.0.0.1:" + SidecarPaths.PROXY_PORT, "--admin", "0.0.0.0:" + SidecarPaths.PROXY_ADMIN_PORT);
    }

    public static Container bridge(SandboxPlan plan) {
        return sidecar(plan, BRIDGE, SidecarPaths.BRIDGE_UID, SidecarPaths.BRIDGE_ADMIN_PORT,
                List.of(mount(SandboxVolumes.SIDECAR_CONFIG, SidecarPaths.CONFIG_DIR, true),
                        mount(SandboxVolumes.BRIDGE_TMP, TMP, false)),
                "bridge", "--config", SidecarPaths.BRIDGE_CONFIG,
                "--listen", "127.0.0.1:" + SidecarPaths.BRIDGE_PORT, "--admin", "0.0.0.0:" + SidecarPaths.BRIDGE_ADMIN_PORT);
    }

    /** iptables mode only: lets only the proxy's and the bridge's UIDs leave the pod. */
    public static Container egressInit(SandboxPlan plan) {
        return new ContainerBuilder()
                .withName(EGRESS_INIT)
                .withImage(plan.settings().sidecarImage())
                .withArgs(EgressInitArgs.forUids(Math.toIntExact(SidecarPaths.PROXY_UID),
                        Math.toIntExact(SidecarPaths.BRIDGE_UID)))
                .withSecurityContext(SecurityContexts.egressInit())
                .build();
    }

    private static Container sidecar(SandboxPlan plan, String name, long uid, int adminPort, List<VolumeMount> mounts,
                                     String... args) {
        return new ContainerBuilder()
                .withName(name)
                .withImage(plan.settings().sidecarImage())
                .withArgs(args)
                .withRestartPolicy(ALWAYS)
                .withPorts(new ContainerPortBuilder().withName("admin").withContainerPort(adminPort)
                        .withProtocol("TCP").build())
                .withStartupProbe(healthz(adminPort))
                .withVolumeMounts(mounts)
                .withSecurityContext(SecurityContexts.sidecar(uid))
                .build();
    }

    /** The next container starts only once this answers: the agent never runs before its proxy. */
    private static Probe healthz(int adminPort) {
        return new ProbeBuilder()
                .withNewHttpGet().withPath("/healthz").withPort(new IntOrString(adminPort)).withScheme("HTTP")
                .endHttpGet()
                .withPeriodSeconds(1)
                .withFailureThreshold(60)
                .build();
    }

    static VolumeMount mount(String volume, String path, boolean readOnly) {
        return new VolumeMountBuilder().withName(volume).withMountPath(path).withReadOnly(readOnly).build();
    }
}
