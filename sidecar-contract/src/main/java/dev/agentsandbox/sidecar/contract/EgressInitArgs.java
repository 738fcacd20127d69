package dev.agentsandbox.sidecar.contract;

import java.util.List;

/**
 * The command line of the {@code egress-init} init container (iptables enforcement mode). The operator builds the
 * container's {@code args} with {@link #inPod}, and the sidecar parses them with these same names, so the two
 * cannot drift.
 */
public final class EgressInitArgs {

    /** The role name: the first argument of the sidecar program. */
    public static final String ROLE = "egress-init";
    /** Option (without its leading dashes) naming the egress proxy's UID. */
    public static final String PROXY_UID = "proxy-uid";
    /** Option (without its leading dashes) naming the model bridge's UID. */
    public static final String BRIDGE_UID = "bridge-uid";

    private EgressInitArgs() {
    }

    /** The init container's {@code args} in the sandbox pod: the sidecars' own {@link SidecarUids} may leave it. */
    public static List<String> inPod() {
        return forUids(Math.toIntExact(SidecarUids.PROXY), Math.toIntExact(SidecarUids.BRIDGE));
    }

    /** The {@code args} letting these two UIDs out, e.g. {@code [egress-init, --proxy-uid, 1337, --bridge-uid, 1338]}. */
    public static List<String> forUids(int proxyUid, int bridgeUid) {
        return List.of(ROLE, "--" + PROXY_UID, Integer.toString(proxyUid), "--" + BRIDGE_UID,
                Integer.toString(bridgeUid));
    }
}
