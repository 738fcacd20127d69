package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.contract.ProxyLimitArgs;

import java.time.Duration;

/**
 * The bounds that keep the proxy alive when the agent misbehaves. Exceeding one costs the offending connection
 * (with a clear status where HTTP can still be spoken), never the process. The command line's form, and the
 * defaults, are the contract's {@link ProxyLimitArgs}.
 *
 * @param maxConnections  concurrent client connections; more are answered 503 and closed
 * @param maxTunnels      concurrent CONNECT tunnels (plain and intercepted); more are answered 503
 * @param maxHeaderBytes  request line and headers; larger is 431
 * @param headerTimeout   each request head must arrive within this (slow-client guard)
 * @param idleTimeout     a connection with no traffic either way for this long is closed
 * @param connectTimeout  upstream TCP connect
 */
public record ProxyLimits(int maxConnections, int maxTunnels, int maxHeaderBytes, Duration headerTimeout,
                          Duration idleTimeout, Duration connectTimeout) {

    public static final ProxyLimits DEFAULTS = of(ProxyLimitArgs.DEFAULTS);

    public ProxyLimits {
        if (maxConnections < 1 || maxTunnels < 1 || maxHeaderBytes < 1024) {
            throw new IllegalArgumentException("limits: maxConnections and maxTunnels must be >= 1, "
                    + "maxHeaderBytes >= 1024");
        }
    }

    /** The bounds a command line names. */
    public static ProxyLimits of(ProxyLimitArgs args) {
        return new ProxyLimits(args.maxConnections(), args.maxTunnels(), args.maxHeaderBytes(),
                Duration.ofSeconds(args.headerTimeoutSeconds()), Duration.ofSeconds(args.idleTimeoutSeconds()),
                Duration.ofSeconds(args.connectTimeoutSeconds()));
    }
}
