package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.proxy.policy.EgressPolicy;
import io.netty.channel.Channel;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The byte tunnels open now, by client connection, with the destination each was admitted to. A policy reload
 * closes those the new policy no longer allows: the proxy cannot see inside them, so it cannot re-check them at a
 * request boundary as it does for plain HTTP and intercepted connections.
 */
final class OpenTunnels {

    private final Map<Channel, CheckedDestination> open = new ConcurrentHashMap<>();

    void add(Channel client, CheckedDestination destination) {
        open.put(client, destination);
        client.closeFuture().addListener(closed -> open.remove(client));
    }

    /** Closes every tunnel whose destination {@code policy} refuses; returns how many. */
    int closeDisallowed(EgressPolicy policy) {
        int closed = 0;
        for (Map.Entry<Channel, CheckedDestination> tunnel : open.entrySet()) {
            CheckedDestination destination = tunnel.getValue();
            if (!policy.decide(destination.host(), destination.port()).isAllowed()) {
                tunnel.getKey().close();
                closed++;
            }
        }
        return closed;
    }
}
