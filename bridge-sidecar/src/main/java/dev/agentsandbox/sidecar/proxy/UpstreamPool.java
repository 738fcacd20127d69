package dev.agentsandbox.sidecar.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Idle upstream connections of intercepted tunnels, kept for the next intercepted tunnel to the same destination:
 * a new agent connection then reuses a verified TLS connection instead of a new TCP connection and TLS handshake
 * upstream. What makes reuse safe:
 * <ul>
 *   <li>a connection is reused only for the same host name (its certificate was verified for that name), the same
 *       port and the same checked address, by a tunnel the {@link EgressGate} admitted again; every request on it
 *       is still judged and gets its credential injected as on a new connection (no credential belongs to a
 *       connection);</li>
 *   <li>only a connection whose last exchange ended cleanly comes back: the whole request sent, the whole response
 *       relayed, and the upstream keeping the connection open;</li>
 *   <li>the proxy serves one sandbox, so a connection never passes between sandboxes;</li>
 *   <li>an idle connection that reads anything, or closes, leaves the pool; the proxy's idle timeout closes it as
 *       any other upstream connection, a policy reload closes all of them, and a destination keeps at most
 *       {@value #MAX_IDLE_PER_DESTINATION} per event loop.</li>
 * </ul>
 * Both halves of a client's link run on one event loop: a connection is handed only to a client connection on its
 * own loop, and each loop's share of the pool is touched by that loop only.
 */
final class UpstreamPool {

    static final int MAX_IDLE_PER_DESTINATION = 8;
    /** The upstream pipeline's last handler: the response relay while in use, the idle guard while pooled. */
    static final String HANDLER = "response";

    private final Map<EventLoop, Map<String, ArrayDeque<Channel>>> idle = new ConcurrentHashMap<>();

    /** An idle connection to {@code destination} on {@code loop}, taken out of the pool, or null. */
    Channel take(CheckedDestination destination, EventLoop loop) {
        ArrayDeque<Channel> connections = idleOn(loop).get(key(destination));
        Channel channel;
        while (connections != null && (channel = connections.pollLast()) != null) {
            if (channel.isActive()) {
                return channel;
            }
        }
        return null;
    }

    /**
     * Keeps a connection whose last exchange ended cleanly; closes it when the destination has enough idle ones.
     * Runs on the connection's event loop; its response relay is replaced by a guard that drops it on any event.
     */
    void offer(CheckedDestination destination, Channel channel) {
        String key = key(destination);
        ArrayDeque<Channel> connections = idleOn(channel.eventLoop()).computeIfAbsent(key, k -> new ArrayDeque<>(2));
        if (connections.size() >= MAX_IDLE_PER_DESTINATION || !channel.isActive()) {
            channel.close();
            return;
        }
        channel.pipeline().replace(HANDLER, HANDLER, new IdleGuard(connections));
        channel.config().setAutoRead(true);
        connections.addLast(channel);
    }

    /**
     * Takes the client's {@code Connection: close} off an intercepted request: it is about the agent's connection
     * to the proxy (closed after this exchange all the same), not the upstream one, which may serve the next
     * tunnel. A connection option names the proxy's own hop (RFC 9110, 7.6.1); the others (e.g. {@code upgrade})
     * stay.
     */
    static void keepUpstreamOpen(HttpHeaders headers) {
        if (!headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true)) {
            return;
        }
        List<String> options = new ArrayList<>();
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String option : value.split(",")) {
                String trimmed = option.trim();
                if (!trimmed.isEmpty() && !HttpHeaderValues.CLOSE.contentEqualsIgnoreCase(trimmed)) {
                    options.add(trimmed);
                }
            }
        }
        headers.remove(HttpHeaderNames.CONNECTION);
        if (!options.isEmpty()) {
            headers.set(HttpHeaderNames.CONNECTION, String.join(", ", options));
        }
    }

    /** Closes every idle connection (a policy reload: the destinations they were admitted to are judged again). */
    void closeAll() {
        for (Map.Entry<EventLoop, Map<String, ArrayDeque<Channel>>> loop : idle.entrySet()) {
            loop.getKey().execute(() -> {
                for (ArrayDeque<Channel> connections : loop.getValue().values()) {
                    Channel channel;
                    while ((channel = connections.poll()) != null) {
                        channel.close();
                    }
                }
            });
        }
    }

    private Map<String, ArrayDeque<Channel>> idleOn(EventLoop loop) {
        return idle.computeIfAbsent(loop, l -> new HashMap<>());
    }

    private static String key(CheckedDestination destination) {
        return destination.host() + ':' + destination.port() + '@' + destination.address().getHostAddress();
    }

    /**
     * The last handler of a pooled connection: nothing is asked of it, so anything it reads (or its closing) ends
     * its use, and it leaves the pool.
     */
    private static final class IdleGuard extends ChannelInboundHandlerAdapter {

        private final ArrayDeque<Channel> pool;

        IdleGuard(ArrayDeque<Channel> pool) {
            this.pool = pool;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            pool.remove(ctx.channel());
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            pool.remove(ctx.channel());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            pool.remove(ctx.channel());
            ctx.close();
        }
    }
}
