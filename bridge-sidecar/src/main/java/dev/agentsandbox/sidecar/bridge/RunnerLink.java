package dev.agentsandbox.sidecar.bridge;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.time.Duration;
import java.util.ArrayDeque;

/**
 * The one handler of a runner connection, after its HTTP codec, for the connection's whole life: it hands what the
 * runner sends to the exchange the connection carries, times the runner's silence (the exchange's read timeout, or
 * the idle timeout while the connection waits in the pool), and guards the connection while it is idle (closed on
 * the timeout, on a close by the runner, or on stray bytes). Passing a pooled connection from one exchange to the
 * next changes this handler's state, not the pipeline; the silence is measured from the last read with a
 * {@link MovingDeadline}, not a timer cancelled and scheduled again at every read or exchange.
 *
 * <p>Only ever used on the connection's own event loop.
 */
final class RunnerLink extends ChannelInboundHandlerAdapter {

    /** The handler's name in the runner connection's pipeline. */
    static final String NAME = "runner-link";

    /** What an exchange is told of its runner connection. */
    interface Carried {
        /** A message from the HTTP codec (or the aggregator placed before this handler); the callee releases it. */
        void runnerRead(Object msg);

        /** The end of one read from the socket. */
        void runnerReadComplete();

        /** The runner was silent for the whole read timeout. */
        void runnerSilent();

        /** The connection closed. */
        void runnerClosed();

        void runnerFailed(Throwable cause);
    }

    private final Channel channel;
    /** The exchange this connection carries now, or null. */
    private Carried exchange;
    /** The idle connections this one waits among, while pooled; null otherwise. */
    private ArrayDeque<RunnerLink> pool;
    /** The end of the runner's allowed silence, moved on at each read. */
    private final MovingDeadline silence;
    private long allowedSilenceNanos;

    private RunnerLink(Channel channel) {
        this.channel = channel;
        this.silence = new MovingDeadline(channel.eventLoop(), this::silent);
    }

    /** Adds a new link to {@code channel}'s pipeline, after its HTTP codec. */
    static RunnerLink addTo(Channel channel) {
        RunnerLink link = new RunnerLink(channel);
        channel.pipeline().addLast(NAME, link);
        return link;
    }

    Channel channel() {
        return channel;
    }

    /** Gives the connection to {@code exchange}; nothing is timed until {@link #awaitAnswer}. */
    void carry(Carried exchange) {
        this.exchange = exchange;
        pool = null;
        silence.disarm();
    }

    /** The request went out: the runner may now stay silent for {@code readTimeout} between two reads. */
    void awaitAnswer(Duration readTimeout) {
        watch(readTimeout.toNanos());
    }

    /** The exchange is over: nothing the runner sends from now on is handed to it. */
    void drop() {
        exchange = null;
        silence.disarm();
    }

    /** The connection waits idle in {@code pool}; it leaves it when closed for any reason. */
    void park(ArrayDeque<RunnerLink> pool, Duration idleTimeout) {
        this.pool = pool;
        watch(idleTimeout.toNanos());
    }

    /** The connection left the pool to carry an exchange. */
    void unpark() {
        pool = null;
        silence.disarm();
    }

    private void watch(long silenceNanos) {
        allowedSilenceNanos = silenceNanos;
        silence.arm(silenceNanos);
    }

    private void silent() {
        if (!channel.isActive()) {
            return;
        }
        if (exchange != null) {
            exchange.runnerSilent();
        } else {
            leave();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (exchange != null) {
            exchange.runnerRead(msg);
            return;
        }
        // nothing is asked of an idle connection: whatever the runner sends now belongs to no exchange
        ReferenceCountUtil.release(msg);
        leave();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // (the codec passes the end of every read on, also of one that decoded no whole message yet)
        if (silence.armed()) {
            silence.arm(allowedSilenceNanos);
        }
        if (exchange != null) {
            exchange.runnerReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        silence.stop();
        if (exchange != null) {
            exchange.runnerClosed();
        } else if (pool != null) {
            pool.remove(this);
            pool = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (exchange != null) {
            exchange.runnerFailed(cause);
        } else {
            leave();
        }
    }

    private void leave() {
        if (pool != null) {
            pool.remove(this);
            pool = null;
        }
        channel.close();
    }
}
