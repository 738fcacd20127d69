package dev.agentsandbox.sidecar.core;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The Netty threads of one sidecar process and the two ways to use them: accept connections on a listen address,
 * and open a connection to an upstream on the event loop of the channel that needs it (so the two halves of a
 * relay share a thread and never hand buffers across threads).
 */
public final class EventLoops implements AutoCloseable {

    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;

    /** @param workerThreads event loop threads; 0 for Netty's default (2 × cores) */
    public EventLoops(int workerThreads) {
        this.acceptors = new NioEventLoopGroup(1, new DefaultThreadFactory("accept", true));
        this.workers = new NioEventLoopGroup(workerThreads, new DefaultThreadFactory("io", true));
    }

    /** Binds a server socket and blocks until it is bound; the returned channel's local address has the real port. */
    public Channel listen(HostAndPort address, ChannelHandler childInitializer) throws InterruptedException {
        return new ServerBootstrap()
                .group(acceptors, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, true)
                .childHandler(childInitializer)
                .bind(address.toSocketAddress())
                .sync()
                .channel();
    }

    /**
     * A client bootstrap for an upstream connection on {@code loop} (the event loop of the downstream channel).
     * Connecting it never blocks: pass a resolved {@link java.net.InetSocketAddress}.
     */
    public static Bootstrap upstream(EventLoop loop, Duration connectTimeout, ChannelHandler initializer) {
        return new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.AUTO_READ, false)
                .handler(initializer);
    }

    @Override
    public void close() {
        acceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
