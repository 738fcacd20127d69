package dev.agentsandbox.sidecar.bridge;

import dev.agentsandbox.sidecar.contract.BridgeLimitArgs;

import java.time.Duration;

/**
 * What one agent may hold of the bridge: its connections, the size of one request body and of all bodies held at
 * once, and the time a request may take to arrive. The memory held by request bodies is at most
 * {@code maxBufferedBytes}, each unfinished one for at most {@code requestTimeout}. The command line's form, and
 * the defaults, are the contract's {@link BridgeLimitArgs}.
 *
 * @param maxConnections concurrent agent connections; more get {@code 503} {@code too_many_connections}
 * @param requestTimeout a request (head and body) must arrive within this, on a new connection and again after
 *                       each answer on a keep-alive one; else {@code 408} {@code request_timeout} and close
 * @param maxBodyBytes   the largest request body read; larger gets {@code 413} {@code body_too_large}
 * @param maxBufferedBytes the request bodies held at once, all connections together (see {@link BufferedBodies});
 *                       a request that does not fit gets {@code 503} {@code bridge_busy}
 */
public record BridgeLimits(int maxConnections, Duration requestTimeout, int maxBodyBytes, long maxBufferedBytes) {

    public static final BridgeLimits DEFAULTS = of(BridgeLimitArgs.DEFAULTS);

    public BridgeLimits {
        if (maxConnections < 1 || maxBodyBytes < 1 || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("limits: maxConnections, maxBodyBytes and requestTimeout must be > 0");
        }
        if (maxBufferedBytes < maxBodyBytes) {
            throw new IllegalArgumentException("limits: the buffered bytes (" + maxBufferedBytes
                    + ") must hold at least one body of the largest size (" + maxBodyBytes + ")");
        }
    }

    /** The bounds a command line names. */
    public static BridgeLimits of(BridgeLimitArgs args) {
        return new BridgeLimits(args.maxConnections(), Duration.ofSeconds(args.requestTimeoutSeconds()),
                args.maxBodyBytes(), args.maxBufferedBytes());
    }
}
