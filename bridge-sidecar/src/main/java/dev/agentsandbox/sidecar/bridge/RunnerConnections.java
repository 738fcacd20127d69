package dev.agentsandbox.sidecar.bridge;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive connections to the runner, idle between two exchanges, so a request does not pay a new TCP connection
 * (and the runner a new goroutine and socket) each time.
 *
 * <p>Each event loop keeps its own idle connections, and an exchange takes one only from the loop it runs on: a
 * connection is only ever touched by its own thread, without locks. A connection goes back only after a complete
 * answer the runner did not mark {@code Connection: close}; one that stays idle for {@link #IDLE_TIMEOUT} is closed
 * (before a runner that closes idle connections itself would, so the bridge rarely sends on a connection the runner
 * is closing), as is one the runner closes or writes to while idle. At most {@link #MAX_IDLE_PER_LOOP} idle
 * connections per loop and runner address are kept.
 */
final class RunnerConnections {

    /** How long a connection may stay idle in the pool. */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** Idle connections kept per event loop and runner address; more are closed. */
    static final int MAX_IDLE_PER_LOOP = 8;
    private static final String IDLE_HANDLER = "pooled-idle";

    /** Per event loop: runner address → idle connections. Each inner map is only used on its own loop. */
    private final Map<EventLoop, Map<String, ArrayDeque<Channel>>> idle = new ConcurrentHashMap<>();

    /** An idle connection to {@code runner} on {@code loop}, if one is open; call on {@code loop}. */
    Optional<Channel> acquire(EventLoop loop, String runner) {
        ArrayDeque<Channel> connections = idleOn(loop).get(runner);
        while (connections != null && !connections.isEmpty()) {
            Channel channel = connections.pollLast();
            if (channel.isActive()) {
                channel.pipeline().remove(IDLE_HANDLER);
                channel.config().setAutoRead(false);
                return Optional.of(channel);
            }
            channel.close();
        }
        return Optional.empty();
    }

    /**
     * Keeps {@code channel} (whose exchange handlers are already removed, leaving only the HTTP codec) for the next
     * exchange on its loop; call on its loop.
     */
    void release(Channel channel, String runner) {
        ArrayDeque<Channel> connections = idleOn(channel.eventLoop())
                .computeIfAbsent(runner, key -> new ArrayDeque<>());
        if (!channel.isActive() || connections.size() >= MAX_IDLE_PER_LOOP) {
            channel.close();
            return;
        }
        channel.pipeline().addFirst(IDLE_HANDLER, new IdleGuard(connections));
        connections.addLast(channel);
        // read while idle, so a close by the runner is seen at once rather than at the next request
        channel.config().setAutoRead(true);
    }

    private Map<String, ArrayDeque<Channel>> idleOn(EventLoop loop) {
        return idle.computeIfAbsent(loop, key -> new HashMap<>());
    }

    /** While a connection is idle: closes it after the idle timeout, on a close by the runner, or on stray bytes. */
    private static final class IdleGuard extends IdleStateHandler {
        private final ArrayDeque<Channel> pool;

        IdleGuard(ArrayDeque<Channel> pool) {
            super(0, 0, IDLE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            this.pool = pool;
        }

        @Override
        protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent event) {
            leave(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            // nothing is asked of an idle connection: whatever the runner sends now belongs to no exchange
            ReferenceCountUtil.release(msg);
            leave(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            pool.remove(ctx.channel());
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            leave(ctx);
        }

        private void leave(ChannelHandlerContext ctx) {
            pool.remove(ctx.channel());
            ctx.close();
        }
    }
}
