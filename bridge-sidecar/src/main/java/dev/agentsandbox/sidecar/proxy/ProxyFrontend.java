package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.core.HostAndPort;
import dev.agentsandbox.sidecar.core.HttpFraming;
import dev.agentsandbox.sidecar.core.Relay;
import dev.agentsandbox.sidecar.proxy.policy.Denial;
import dev.agentsandbox.sidecar.proxy.policy.DenyReason;
import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.TimeUnit;

/**
 * The handler after the HTTP codec (and its {@link HeaderDeadline}) on a client connection: handles
 * {@code CONNECT}. Every other request goes on to the {@link HttpForwarder}.
 *
 * <p>An admitted CONNECT becomes either a plain byte tunnel (host without a credential rule: the proxy never sees
 * the TLS inside) or an intercepted one (host with a credential rule: TLS terminated with a minted certificate,
 * requests forwarded by an {@link HttpForwarder} in intercepted mode).
 */
final class ProxyFrontend extends ChannelInboundHandlerAdapter {

    static final String NAME = "front";
    static final String HTTP_CODEC = "http";
    private static final HttpResponseStatus CONNECTION_ESTABLISHED = new HttpResponseStatus(200, "Connection established");

    private final ProxyContext cx;
    private boolean inConnect;
    /**
     * Bytes the client sent after its CONNECT before the tunnel was ready (TLS false start: the ClientHello in the
     * same segment as the CONNECT); they go into the tunnel first.
     */
    private CompositeByteBuf early;

    ProxyFrontend(ProxyContext cx) {
        this.cx = cx;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseEarly();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            if (request.decoderResult().isSuccess() && HttpMethod.CONNECT.equals(request.method())) {
                inConnect = true;
                // Whatever follows the CONNECT head is tunnel data, not HTTP: the decoder stops here and hands
                // the rest over as bytes (the encoder stays for the answer to the CONNECT).
                ((HttpServerCodec) ctx.pipeline().get(HTTP_CODEC)).removeInboundHandler();
                onConnect(ctx, request);
                return;
            }
        } else if (inConnect && msg instanceof ByteBuf bytes) {
            if (early == null) {
                early = ctx.alloc().compositeBuffer();
            }
            early.addComponent(true, bytes);
            return;
        } else if (inConnect && msg instanceof HttpContent) {
            // The (empty) end of the CONNECT request itself.
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private void onConnect(ChannelHandlerContext ctx, HttpRequest request) {
        HostAndPort target;
        try {
            target = HostAndPort.parse(request.uri());
        } catch (IllegalArgumentException e) {
            cx.recorder().denied("connect", "?", 0, new Denial(DenyReason.INVALID_HOST, "CONNECT needs host:port"),
                    client(ctx));
            ProxyReplies.deny(ctx, ProxyReplies.printable(request.uri()), 0,
                    new Denial(DenyReason.INVALID_HOST, "CONNECT needs host:port"));
            return;
        }
        if (!cx.recorder().tryOpenTunnel(cx.limits().maxTunnels())) {
            cx.recorder().limitExceeded("max-tunnels", client(ctx));
            ProxyReplies.error(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "too-many-tunnels",
                    "too many open tunnels; close some and retry");
            return;
        }
        ctx.channel().closeFuture().addListener(closed -> cx.recorder().tunnelClosed());
        ctx.channel().config().setAutoRead(false);
        cx.gate().admit(target.host(), target.port()).whenComplete((admission, error) ->
                ctx.executor().execute(() -> onAdmission(ctx, admission)));
    }

    private void onAdmission(ChannelHandlerContext ctx, Admission admission) {
        if (!ctx.channel().isActive()) {
            return;
        }
        try {
            dispatch(ctx, admission);
        } catch (RuntimeException e) {
            // Runs outside the pipeline (a callback): nothing else would answer the client or log the failure.
            cx.recorder().connectionError("proxy", e, client(ctx));
            ProxyReplies.error(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal-error", "internal error");
        }
    }

    private void dispatch(ChannelHandlerContext ctx, Admission admission) {
        if (admission == null) {
            ProxyReplies.error(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal-error", "internal error");
        } else if (admission.denial() != null) {
            cx.recorder().denied("connect", admission.host(), admission.port(), admission.denial(), client(ctx));
            ProxyReplies.deny(ctx, admission.host(), admission.port(), admission.denial());
        } else if (admission.failure() != null) {
            cx.recorder().failed("connect", admission.host(), admission.port(), "dns-failure", client(ctx));
            ProxyReplies.error(ctx, HttpResponseStatus.BAD_GATEWAY, "dns-failure", admission.failure());
        } else if (admission.destination().credential() != null) {
            intercept(ctx, admission.destination());
        } else {
            tunnel(ctx, admission.destination());
        }
    }

    /** Terminates the agent's TLS with a certificate for the host and forwards the decrypted requests. */
    private void intercept(ChannelHandlerContext ctx, CheckedDestination destination) {
        SslContext serverTls = cx.authority().serverContextFor(destination.host());
        cx.recorder().allowed("intercept", destination.host(), destination.port(), destination.rule(), client(ctx));
        Channel client = ctx.channel();
        client.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, CONNECTION_ESTABLISHED));
        ChannelPipeline pipeline = client.pipeline();
        pipeline.addAfter(HTTP_CODEC, "tls", serverTls.newHandler(client.alloc()));
        pipeline.addAfter("tls", "https", HttpFraming.serverCodec(cx.limits().maxHeaderBytes(), 64 * 1024));
        pipeline.addAfter("https", "tls-" + HeaderDeadline.NAME, new HeaderDeadline(cx));
        pipeline.addAfter("tls-" + HeaderDeadline.NAME, "forward-tls", new HttpForwarder(cx, destination));
        pipeline.remove(HeaderDeadline.NAME);
        pipeline.remove(HttpForwarder.NAME);
        pipeline.remove(this);
        pipeline.remove(HTTP_CODEC);
        replayEarly(client);
        client.config().setAutoRead(true);
        client.read();
    }

    /** Connects to the checked address and pipes bytes; the proxy never sees inside the tunnel. */
    private void tunnel(ChannelHandlerContext ctx, CheckedDestination destination) {
        Channel client = ctx.channel();
        long idleSeconds = cx.limits().idleTimeout().toSeconds();
        cx.dialer().dial(destination, client.eventLoop(), new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new IdleStateHandler(0, 0, idleSeconds, TimeUnit.SECONDS), IdleCloser.INSTANCE);
            }
        }).addListener((ChannelFutureListener) done -> {
            if (!done.isSuccess()) {
                cx.recorder().failed("connect", destination.host(), destination.port(), "upstream-unreachable",
                        client(ctx));
                ProxyReplies.error(ctx, HttpResponseStatus.BAD_GATEWAY, "upstream-unreachable",
                        "cannot connect to " + destination);
                return;
            }
            Channel upstream = done.channel();
            if (!client.isActive()) {
                upstream.close();
                return;
            }
            cx.recorder().allowed("tunnel", destination.host(), destination.port(), destination.rule(), client(ctx));
            cx.tunnels().add(client, destination);
            if (!cx.policy().get().decide(destination.host(), destination.port()).isAllowed()) {
                // A reload between admission and now: registered first, checked second, so no tunnel escapes both.
                client.close();
                upstream.close();
                return;
            }
            client.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, CONNECTION_ESTABLISHED));
            Counter up = cx.recorder().bytes(destination.host(), "upstream");
            Counter down = cx.recorder().bytes(destination.host(), "downstream");
            Relay.join(client, upstream, up::increment, down::increment);
            ChannelPipeline pipeline = client.pipeline();
            pipeline.remove(HeaderDeadline.NAME);
            pipeline.remove(HttpForwarder.NAME);
            pipeline.remove(this);
            pipeline.remove(HTTP_CODEC);
            replayEarly(client);
        });
    }

    /** Sends what arrived before the tunnel was ready through the tunnel's pipeline (TLS or relay), first. */
    private void replayEarly(Channel client) {
        if (early != null) {
            ByteBuf bytes = early;
            early = null;
            client.pipeline().fireChannelRead(bytes);
            client.pipeline().fireChannelReadComplete();
        }
    }

    private void releaseEarly() {
        if (early != null) {
            early.release();
            early = null;
        }
    }

    private static String client(ChannelHandlerContext ctx) {
        return HostAndPort.describe(ctx.channel().remoteAddress());
    }
}
