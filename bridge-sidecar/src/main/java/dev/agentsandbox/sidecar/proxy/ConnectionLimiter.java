package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.core.HostAndPort;
import dev.agentsandbox.sidecar.core.HttpReplies;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps concurrent client connections: one over the cap is answered {@code 503} with {@code Retry-After} and closed
 * before any of its bytes are parsed, so a connection flood costs a counter, not memory, and a client learns at
 * once that it may retry.
 */
@ChannelHandler.Sharable
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {

    private static final byte[] REFUSAL = ("HTTP/1.1 503 Service Unavailable\r\n" + ProxyReplies.ERROR_HEADER
            + ": too-many-connections\r\nRetry-After: " + HttpReplies.RETRY_AFTER_SECONDS
            + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);

    private static final AttributeKey<Boolean> REFUSED = AttributeKey.valueOf("agentsandbox.refused");

    private final int maxConnections;
    private final EgressRecorder recorder;
    private final AtomicInteger open = new AtomicInteger();

    ConnectionLimiter(int maxConnections, EgressRecorder recorder) {
        this.maxConnections = maxConnections;
        this.recorder = recorder;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        int now = open.incrementAndGet();
        ctx.channel().closeFuture().addListener(closed -> open.decrementAndGet());
        if (now > maxConnections) {
            recorder.limitExceeded("max-connections", HostAndPort.describe(ctx.channel().remoteAddress()));
            ctx.channel().attr(REFUSED).set(Boolean.TRUE);
            ctx.channel().config().setAutoRead(false);
            ctx.writeAndFlush(Unpooled.wrappedBuffer(REFUSAL)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (ctx.channel().hasAttr(REFUSED)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
