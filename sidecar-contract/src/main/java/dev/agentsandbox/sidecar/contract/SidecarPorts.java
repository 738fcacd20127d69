package dev.agentsandbox.sidecar.contract;

import java.util.Set;

/**
 * The ports of the sandbox pod's sidecars. The operator opens the admin ports in the NetworkPolicy, probes and reads
 * them, and points the agent at the proxy and the bridge; the sidecars listen on them by default.
 */
public final class SidecarPorts {

    /** The egress proxy, for the agent (loopback only). */
    public static final int PROXY = 3128;
    /** The egress proxy's {@code /healthz}, {@code /metrics} and {@code /status}. */
    public static final int PROXY_ADMIN = 9090;
    /** The model bridge, for the agent (loopback only). */
    public static final int BRIDGE = 54321;
    /** The model bridge's {@code /healthz}, {@code /metrics} and {@code /status}. */
    public static final int BRIDGE_ADMIN = 9091;

    /** Where the agent's {@code HTTP(S)_PROXY} points. */
    public static final String PROXY_URL = "http://" + SidecarArgs.LOOPBACK + ":" + PROXY;
    /** Where the agent's OpenAI and Anthropic base URLs point. */
    public static final String BRIDGE_URL = "http://" + SidecarArgs.LOOPBACK + ":" + BRIDGE;

    /** The bridge's ports, which the proxy refuses to reach on a local address (the agent could loop through it). */
    public static final Set<Integer> BRIDGE_PORTS = Set.of(BRIDGE, BRIDGE_ADMIN);

    private SidecarPorts() {
    }
}
