package dev.agentsandbox.sidecar.bridge;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

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

    /** Per event loop: runner address → idle connections. Each inner map is only used on its own loop. */
    private final Map<EventLoop, Map<String, ArrayDeque<RunnerLink>>> idle = new ConcurrentHashMap<>();

    /** An idle connection to {@code runner} on {@code loop}, if one is open; call on {@code loop}. */
    Optional<RunnerLink> acquire(EventLoop loop, String runner) {
        ArrayDeque<RunnerLink> connections = idleOn(loop).get(runner);
        while (connections != null && !connections.isEmpty()) {
            RunnerLink link = connections.pollLast();
            link.unpark();
            if (link.channel().isActive()) {
                link.channel().config().setAutoRead(false);
                return Optional.of(link);
            }
            link.channel().close();
        }
        return Optional.empty();
    }

    /**
     * Keeps the connection of {@code link} (which carries no exchange any more) for the next exchange on its loop;
     * call on its loop.
     */
    void release(RunnerLink link, String runner) {
        Channel channel = link.channel();
        ArrayDeque<RunnerLink> connections = idleOn(channel.eventLoop())
                .computeIfAbsent(runner, key -> new ArrayDeque<>());
        if (!channel.isActive() || connections.size() >= MAX_IDLE_PER_LOOP) {
            channel.close();
            return;
        }
        link.park(connections, IDLE_TIMEOUT);
        connections.addLast(link);
        // read while idle, so a close by the runner is seen at once rather than at the next request
        channel.config().setAutoRead(true);
    }

    private Map<String, ArrayDeque<RunnerLink>> idleOn(EventLoop loop) {
        return idle.computeIfAbsent(loop, key -> new HashMap<>());
    }
}
