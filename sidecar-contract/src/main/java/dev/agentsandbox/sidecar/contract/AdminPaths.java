package dev.agentsandbox.sidecar.contract;

/**
 * The paths each sidecar serves on its admin port ({@link SidecarPorts#PROXY_ADMIN}, {@link SidecarPorts#BRIDGE_ADMIN}):
 * the kubelet probes one, the operator reads another.
 */
public final class AdminPaths {

    /** 200 once the role serves; the pod's startup probe, so the agent never starts before its proxy. */
    public static final String HEALTHZ = "/healthz";
    /** Prometheus text. */
    public static final String METRICS = "/metrics";
    /** The role's status document ({@link ProxyStatus}, {@link BridgeStatus}), copied into the sandbox status. */
    public static final String STATUS = "/status";

    private AdminPaths() {
    }
}
