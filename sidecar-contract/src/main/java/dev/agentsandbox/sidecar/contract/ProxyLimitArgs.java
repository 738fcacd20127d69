package dev.agentsandbox.sidecar.contract;

import java.util.List;

/**
 * The egress proxy's bounds as its command line carries them, and the one place their defaults are written: the
 * proxy falls back to {@link #DEFAULTS} for a flag it is not given, and the operator passes {@link #args()} in
 * the sandbox pod, so what a sandbox's proxy holds to is visible in the pod spec.
 *
 * @param maxConnections        concurrent client connections; more are answered {@code 503} and closed
 * @param maxTunnels            concurrent CONNECT tunnels; more are answered {@code 503}
 * @param maxHeaderBytes        request line plus headers; larger is {@code 431}
 * @param headerTimeoutSeconds  each request head must arrive within this; else {@code 408}
 * @param idleTimeoutSeconds    a connection idle this long either way is closed
 * @param connectTimeoutSeconds upstream connect timeout
 */
public record ProxyLimitArgs(int maxConnections, int maxTunnels, int maxHeaderBytes, int headerTimeoutSeconds,
                             int idleTimeoutSeconds, int connectTimeoutSeconds) {

    public static final String MAX_CONNECTIONS = "max-connections";
    public static final String MAX_TUNNELS = "max-tunnels";
    public static final String MAX_HEADER_BYTES = "max-header-bytes";
    public static final String HEADER_TIMEOUT = "header-timeout";
    public static final String IDLE_TIMEOUT = "idle-timeout";
    public static final String CONNECT_TIMEOUT = "connect-timeout";

    public static final ProxyLimitArgs DEFAULTS = new ProxyLimitArgs(2048, 1024, 32 * 1024, 30, 600, 10);

    /** {@code --max-connections N …}, every bound spelled out. */
    public List<String> args() {
        return List.of("--" + MAX_CONNECTIONS, Integer.toString(maxConnections),
                "--" + MAX_TUNNELS, Integer.toString(maxTunnels),
                "--" + MAX_HEADER_BYTES, Integer.toString(maxHeaderBytes),
                "--" + HEADER_TIMEOUT, Integer.toString(headerTimeoutSeconds),
                "--" + IDLE_TIMEOUT, Integer.toString(idleTimeoutSeconds),
                "--" + CONNECT_TIMEOUT, Integer.toString(connectTimeoutSeconds));
    }
}
