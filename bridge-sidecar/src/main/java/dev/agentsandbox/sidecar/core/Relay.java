package dev.agentsandbox.sidecar.core;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.function.LongConsumer;

/**
 * Joins two channels into a byte pipe (a CONNECT tunnel, an upgraded WebSocket): what one reads the other writes,
 * with back-pressure (a side stops reading while the other cannot keep up, so a slow reader cannot make the
 * process buffer without bound) and with the close of either side closing the other.
 */
public final class Relay extends ChannelInboundHandlerAdapter {

    private final Channel peer;
    private final LongConsumer bytesRelayed;

    private Relay(Channel peer, LongConsumer bytesRelayed) {
        this.peer = peer;
        this.bytesRelayed = bytesRelayed;
    }

    /**
     * Adds a relay handler at the end of each pipeline and starts reading on both. Call on the event loop of
     * {@code a} after removing any codec the raw bytes must not pass through.
     *
     * @param fromA called with the size of each buffer read from {@code a}
     * @param fromB called with the size of each buffer read from {@code b}
     */
    public static void join(Channel a, Channel b, LongConsumer fromA, LongConsumer fromB) {
        a.pipeline().addLast("relay", new Relay(b, fromA));
        b.pipeline().addLast("relay", new Relay(a, fromB));
        a.config().setAutoRead(b.isWritable());
        b.config().setAutoRead(a.isWritable());
        a.read();
        b.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            bytesRelayed.accept(buf.readableBytes());
        } else if (msg instanceof ByteBufHolder holder) {
            bytesRelayed.accept(holder.content().readableBytes());
        }
        if (peer.isActive()) {
            peer.write(msg, peer.voidPromise());
        } else {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // Our outbound buffer filled or drained: pause or resume reading from the peer that feeds it.
        peer.config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeOnFlush(peer);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
        closeOnFlush(peer);
    }

    /** Closes a channel once everything already written to it has been flushed. */
    public static void closeOnFlush(Channel channel) {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
