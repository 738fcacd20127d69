package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.plan.SandboxPlan;
import dev.agentsandbox.sidecar.contract.AdminPaths;
import dev.agentsandbox.sidecar.contract.BridgeLimitArgs;
import dev.agentsandbox.sidecar.contract.EgressInitArgs;
import dev.agentsandbox.sidecar.contract.ProxyLimitArgs;
import dev.agentsandbox.sidecar.contract.SidecarArgs;
import dev.agentsandbox.sidecar.contract.SidecarMounts;
import dev.agentsandbox.sidecar.contract.SidecarPorts;
import dev.agentsandbox.sidecar.contract.SidecarUids;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
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

    private SidecarContainers() {
    }

    public static Container proxy(SandboxPlan plan) {
        List<VolumeMount> mounts = new ArrayList<>();
        mounts.add(mount(SandboxVolumes.SIDECAR_CONFIG, SidecarMounts.CONFIG_DIR, true));
        mounts.add(mount(SandboxVolumes.PROXY_CA, SidecarMounts.CA_DIR, false));
        mounts.add(mount(SandboxVolumes.PROXY_TMP, SidecarMounts.TMP, false));
        if (!plan.credentials().isEmpty()) {
            // The only container that mounts the credential Secrets.
            mounts.add(mount(SandboxVolumes.CREDENTIALS, SidecarMounts.CREDENTIALS_DIR, true));
        }
        return sidecar(plan, PROXY, SidecarUids.PROXY, SidecarPorts.PROXY_ADMIN, mounts,
                SidecarArgs.proxyInPod(ProxyLimitArgs.DEFAULTS, plan.settings().upstreamTrust().isPresent()),
                plan.settings().sidecarResources().proxy());
    }

    public static Container bridge(SandboxPlan plan) {
        return sidecar(plan, BRIDGE, SidecarUids.BRIDGE, SidecarPorts.BRIDGE_ADMIN,
                List.of(mount(SandboxVolumes.SIDECAR_CONFIG, SidecarMounts.CONFIG_DIR, true),
                        mount(SandboxVolumes.BRIDGE_TMP, SidecarMounts.TMP, false)),
                SidecarArgs.bridgeInPod(BridgeLimitArgs.DEFAULTS), plan.settings().sidecarResources().bridge());
    }

    /** iptables mode only: lets only the proxy's and the bridge's UIDs leave the pod. */
    public static Container egressInit(SandboxPlan plan) {
        return new ContainerBuilder()
                .withName(EGRESS_INIT)
                .withImage(plan.settings().sidecarImage())
                .withArgs(EgressInitArgs.inPod())
                .withSecurityContext(SecurityContexts.egressInit())
                .withResources(plan.settings().sidecarResources().egressInit())
                .build();
    }

    private static Container sidecar(SandboxPlan plan, String name, long uid, int adminPort, List<VolumeMount> mounts,
                                     List<String> args, ResourceRequirements resources) {
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
                .withResources(resources)
                .build();
    }

    /** The next container starts only once this answers: the agent never runs before its proxy. */
    private static Probe healthz(int adminPort) {
        return new ProbeBuilder()
                .withNewHttpGet().withPath(AdminPaths.HEALTHZ).withPort(new IntOrString(adminPort)).withScheme("HTTP")
                .endHttpGet()
                .withPeriodSeconds(1)
                .withFailureThreshold(60)
                .build();
    }

    static VolumeMount mount(String volume, String path, boolean readOnly) {
        return new VolumeMountBuilder().withName(volume).withMountPath(path).withReadOnly(readOnly).build();
    }
}
