package dev.agentsandbox.sidecar.contract;

/**
 * The UIDs the sandbox pod's containers run as. In the iptables enforcement mode, egress-init lets only the proxy's
 * and the bridge's UIDs leave the pod, so the agent's UID must differ from both.
 */
public final class SidecarUids {

    public static final long AGENT = 1000;
    public static final long PROXY = 1337;
    public static final long BRIDGE = 1338;

    private SidecarUids() {
    }
}
