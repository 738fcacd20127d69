package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.core.EventLoops;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;

import java.time.Duration;

/**
 * The only place the proxy opens upstream connections, and it accepts only a {@link CheckedDestination}: the
 * connection goes to the address the guard checked, never to a name resolved again.
 */
final class UpstreamDialer {

    private final Duration connectTimeout;
    private final EgressRecorder recorder;

    UpstreamDialer(Duration connectTimeout, EgressRecorder recorder) {
        this.connectTimeout = connectTimeout;
        this.recorder = recorder;
    }

    /** Connects on {@code loop} (the client channel's, so both halves share a thread). */
    ChannelFuture dial(CheckedDestination destination, EventLoop loop, ChannelHandler initializer) {
        long started = System.nanoTime();
        ChannelFuture future = EventLoops.upstream(loop, connectTimeout, initializer)
                .connect(destination.socketAddress());
        future.addListener(done -> {
            if (done.isSuccess()) {
                recorder.upstreamConnected(System.nanoTime() - started);
            }
        });
        return future;
    }
}
