package dev.agentsandbox.sidecar.proxy;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;

/** Closes a channel on the {@link IdleStateEvent} of an {@link io.netty.handler.timeout.IdleStateHandler} before it. */
@ChannelHandler.Sharable
final class IdleCloser extends ChannelInboundHandlerAdapter {

    static final IdleCloser INSTANCE = new IdleCloser();

    private IdleCloser() {
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            ctx.close();
        } else {
            super.userEventTriggered(ctx, event);
        }
    }
}
