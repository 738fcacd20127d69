package dev.agentsandbox.sidecar.contract;

import java.util.ArrayList;
import java.util.List;

/**
 * The command lines of the proxy and the bridge. The operator builds the containers' {@code args} with
 * {@link #proxyInPod} and {@link #bridgeInPod}; the sidecar parses them with these same names and uses the same
 * ports as its defaults, so the two cannot drift. ({@link EgressInitArgs} is the third role's.)
 */
public final class SidecarArgs {

    /** The role name of the egress proxy: the first argument of the sidecar program. */
    public static final String PROXY_ROLE = "proxy";
    /** The role name of the model bridge. */
    public static final String BRIDGE_ROLE = "bridge";

    /** Options (without their leading dashes) that both roles take. */
    public static final String CONFIG = "config";
    public static final String LISTEN = "listen";
    public static final String ADMIN = "admin";
    /**
     * The bridge's option for a streamed answer that reports no token usage: {@code estimate} (the default, which the
     * pod's command line keeps) or {@code refuse}.
     */
    public static final String STREAM_WITHOUT_USAGE = "stream-without-usage";
    /** The proxy's option naming the directory it writes its CA certificate to. */
    public static final String CA_DIR = "ca-dir";
    /**
     * The proxy's option naming a PEM file of certificates it trusts for intercepted upstreams in addition to its
     * system store (a platform's private CA).
     */
    public static final String TRUST_BUNDLE = "trust-bundle";

    /** The agent reaches the sidecars on loopback only. */
    public static final String LOOPBACK = "127.0.0.1";
    /** The admin ports listen on every address: the operator reads them from outside the pod. */
    public static final String ANY_ADDRESS = "0.0.0.0";

    private SidecarArgs() {
    }

    /** The egress proxy's {@code args} in the sandbox pod, its bounds spelled out. */
    public static List<String> proxyInPod(ProxyLimitArgs limits) {
        return proxyInPod(limits, false);
    }

    /**
     * The egress proxy's {@code args} in the sandbox pod; with {@code upstreamTrust}, it also trusts the bundle the
     * operator writes at {@link SidecarMounts#UPSTREAM_TRUST} for intercepted upstreams.
     */
    public static List<String> proxyInPod(ProxyLimitArgs limits, boolean upstreamTrust) {
        List<String> args = new ArrayList<>(List.of(PROXY_ROLE, "--" + CONFIG, SidecarMounts.PROXY_CONFIG,
                "--" + CA_DIR, SidecarMounts.CA_DIR,
                "--" + LISTEN, LOOPBACK + ":" + SidecarPorts.PROXY,
                "--" + ADMIN, ANY_ADDRESS + ":" + SidecarPorts.PROXY_ADMIN));
        if (upstreamTrust) {
            args.addAll(List.of("--" + TRUST_BUNDLE, SidecarMounts.UPSTREAM_TRUST));
        }
        return withLimits(args, limits.args());
    }

    /** The model bridge's {@code args} in the sandbox pod, its bounds spelled out. */
    public static List<String> bridgeInPod(BridgeLimitArgs limits) {
        return withLimits(List.of(BRIDGE_ROLE, "--" + CONFIG, SidecarMounts.BRIDGE_CONFIG,
                "--" + LISTEN, LOOPBACK + ":" + SidecarPorts.BRIDGE,
                "--" + ADMIN, ANY_ADDRESS + ":" + SidecarPorts.BRIDGE_ADMIN), limits.args());
    }

    private static List<String> withLimits(List<String> args, List<String> limits) {
        List<String> all = new ArrayList<>(args);
        all.addAll(limits);
        return List.copyOf(all);
    }
}
