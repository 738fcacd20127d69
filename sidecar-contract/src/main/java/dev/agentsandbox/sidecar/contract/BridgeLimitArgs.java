package dev.agentsandbox.sidecar.contract;

import java.util.List;

/**
 * The model bridge's bounds as its command line carries them, and the one place their defaults are written: the
 * bridge falls back to {@link #DEFAULTS} for a flag it is not given, and the operator passes {@link #args()} in
 * the sandbox pod. Request bodies, read whole before they are judged, hold at most {@code maxBufferedBytes} of the
 * bridge's memory, each unfinished one for at most {@code requestTimeoutSeconds}.
 *
 * @param maxConnections        concurrent agent connections; more get {@code 503} {@code too_many_connections}
 * @param requestTimeoutSeconds a request (head and body) must arrive within this, on a new connection and again
 *                              after each answer on a keep-alive one; else {@code 408} and close
 * @param maxBodyBytes          the largest request body read; larger gets {@code 413}
 * @param maxBufferedBytes      request bodies held at once, all connections together; a request that does not fit
 *                              gets {@code 503} {@code bridge_busy} with {@code Retry-After}
 * @param connectTimeoutSeconds how long the runner may take to accept a connection
 * @param readTimeoutSeconds    how long the runner may stay silent before and during its answer (loading a model
 *                              on first use can take minutes)
 */
public record BridgeLimitArgs(int maxConnections, int requestTimeoutSeconds, int maxBodyBytes,
                              int maxBufferedBytes, int connectTimeoutSeconds, int readTimeoutSeconds) {

    public static final String MAX_CONNECTIONS = "max-connections";
    public static final String REQUEST_TIMEOUT = "request-timeout";
    public static final String MAX_BODY_BYTES = "max-body-bytes";
    public static final String MAX_BUFFERED_BYTES = "max-buffered-bytes";
    public static final String CONNECT_TIMEOUT = "connect-timeout";
    public static final String READ_TIMEOUT = "read-timeout";

    public static final BridgeLimitArgs DEFAULTS = new BridgeLimitArgs(64, 60, 10 * 1024 * 1024, 48 * 1024 * 1024,
            10, 600);

    /** {@code --max-connections N …}, every bound spelled out. */
    public List<String> args() {
        return List.of("--" + MAX_CONNECTIONS, Integer.toString(maxConnections),
                "--" + REQUEST_TIMEOUT, Integer.toString(requestTimeoutSeconds),
                "--" + MAX_BODY_BYTES, Integer.toString(maxBodyBytes),
                "--" + MAX_BUFFERED_BYTES, Integer.toString(maxBufferedBytes),
                "--" + CONNECT_TIMEOUT, Integer.toString(connectTimeoutSeconds),
                "--" + READ_TIMEOUT, Integer.toString(readTimeoutSeconds));
    }
}
