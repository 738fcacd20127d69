package dev.agentsandbox.sidecar.bridge;

import java.time.Duration;

/**
 * What one agent may hold of the bridge: its connections and the time a request may take to arrive. With bodies
 * capped at {@link BridgeServer#MAX_BODY_BYTES}, the memory held by unfinished requests is at most
 * {@code maxConnections} bodies, each for at most {@code requestTimeout}.
 *
 * @param maxConnections concurrent agent connections; more get {@code 503} {@code too_many_connections}
 * @param requestTimeout a request (head and body) must arrive within this, on a new connection and again after
 *                       each answer on a keep-alive one; else {@code 408} {@code request_timeout} and close
 */
public record BridgeLimits(int maxConnections, Duration requestTimeout) {

    public static final BridgeLimits DEFAULTS = new BridgeLimits(64, Duration.ofSeconds(60));
}
