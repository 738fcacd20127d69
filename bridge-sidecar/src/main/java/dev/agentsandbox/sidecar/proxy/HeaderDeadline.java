package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.core.HostAndPort;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The slow-client guard: a request head must arrive within the header timeout, on a new connection and again each
 * time a keep-alive connection is ready for its next request ({@link #AWAITING_NEXT_REQUEST}, fired by the
 * {@link HttpForwarder}), in plain HTTP and inside an intercepted tunnel alike. Else {@code 408} and close.
 * Sits right after an HTTP server codec.
 */
final class HeaderDeadline extends ChannelInboundHandlerAdapter {

    static final String NAME = "header-deadline";
    /** The user event that restarts the clock: an exchange ended and the connection waits for another request. */
    static final Object AWAITING_NEXT_REQUEST = new Object();

    private final ProxyContext cx;
    private ScheduledFuture<?> deadline;

    HeaderDeadline(ProxyContext cx) {
        this.cx = cx;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            arm(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        arm(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            cancel();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event == AWAITING_NEXT_REQUEST) {
            arm(ctx);
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    private void arm(ChannelHandlerContext ctx) {
        cancel();
        deadline = ctx.executor().schedule(() -> {
            if (ctx.channel().isActive() && !ctx.isRemoved()) {
                cx.recorder().limitExceeded("header-timeout", HostAndPort.describe(ctx.channel().remoteAddress()));
                ProxyReplies.error(ctx, HttpResponseStatus.REQUEST_TIMEOUT, "header-timeout",
                        "the request head did not arrive in time");
            }
        }, cx.limits().headerTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void cancel() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }
}
