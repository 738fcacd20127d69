package dev.agentsandbox.sidecar.bridge;

import dev.agentsandbox.sidecar.core.EventLoops;
import dev.agentsandbox.sidecar.core.HostAndPort;
import dev.agentsandbox.sidecar.core.HttpFraming;
import dev.agentsandbox.sidecar.core.HttpReplies;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bridge's listener: HTTP/1.1 on the agent's loopback, connections and bodies capped by {@link BridgeLimits}
 * (a larger body gets {@code 413}), each request judged by a {@link BridgeRequestHandler}.
 */
public final class BridgeServer implements AutoCloseable {

    /** The largest request line plus headers. */
    static final int MAX_HEADER_BYTES = 32 * 1024;

    private final EventLoops loops;
    private final BridgeContext context;
    private final BridgeLimits limits;
    private final AtomicInteger open = new AtomicInteger();
    private final BufferedBodies bodies;
    private final DnsAddressResolverGroup resolver;
    private final RunnerConnections runnerConnections = new RunnerConnections();
    private Channel listener;

    /**
     * @param loops the process's event loops (shared with the admin server)
     */
    public BridgeServer(EventLoops loops, BridgeContext context) {
        this(loops, context, BridgeLimits.DEFAULTS);
    }

    public BridgeServer(EventLoops loops, BridgeContext context, BridgeLimits limits) {
        this.loops = loops;
        this.context = context;
        this.limits = limits;
        this.bodies = new BufferedBodies(limits.maxBufferedBytes(), limits.maxBodyBytes());
        // Resolves the runner's Service name without blocking an event loop; reads the pod's resolv.conf (search
        // domains, ndots) and /etc/hosts like the platform resolver does.
        this.resolver = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .channelType(NioDatagramChannel.class)
                .nameServerProvider(DnsServerAddressStreamProviders.platformDefault()));
    }

    /** Starts listening; returns the bound address (useful with port 0). */
    public InetSocketAddress start(HostAndPort address) throws InterruptedException {
        listener = loops.listen(address, new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.closeFuture().addListener(closed -> open.decrementAndGet());
                ch.pipeline().addLast(HttpFraming.serverCodec(MAX_HEADER_BYTES, 64 * 1024));
                if (open.incrementAndGet() > limits.maxConnections()) {
                    BridgeError error = BridgeError.tooManyConnections(limits.maxConnections());
                    context.meter().refused(error.code());
                    ch.config().setAutoRead(false);
                    ch.writeAndFlush(error.toRetryLaterResponse(InferenceRoute.Api.BEFORE_ANY_REQUEST))
                            .addListener(ChannelFutureListener.CLOSE);
                    return;
                }
                ch.pipeline().addLast(bodies.handler(context.meter()), new BodyCap(),
                        new FlowControlHandler(),
                        new BridgeRequestHandler(context, resolver, runnerConnections, limits.requestTimeout()));
            }
        });
        return (InetSocketAddress) listener.localAddress();
    }

    @Override
    public void close() {
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        resolver.close();
    }

    /** Aggregates request bodies up to the cap and answers a larger one with a JSON {@code 413}. */
    private final class BodyCap extends HttpObjectAggregator {
        BodyCap() {
            super(limits.maxBodyBytes());
        }

        /** A client that announced a too large body with {@code Expect: 100-continue} is told before sending it. */
        @Override
        protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
            Object answer = super.newContinueResponse(start, maxContentLength, pipeline);
            if (answer instanceof FullHttpResponse response
                    && response.status().equals(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE)) {
                response.release();
                return tooLarge(start);
            }
            return answer;
        }

        /**
         * Answers as Netty's aggregator would (keeping a keep-alive connection and discarding the rest of the body,
         * so the client can read the answer), but with the bridge's JSON error.
         */
        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
            if (!(oversized instanceof HttpRequest)) {
                super.handleOversizedMessage(ctx, oversized);
                return;
            }
            FullHttpResponse answer = tooLarge(oversized);
            if (oversized instanceof FullHttpMessage
                    || !HttpUtil.is100ContinueExpected(oversized) && !HttpUtil.isKeepAlive(oversized)) {
                HttpReplies.sendAndClose(ctx, answer);
            } else {
                ctx.writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            }
        }

        private FullHttpResponse tooLarge(HttpMessage request) {
            BridgeError error = BridgeError.bodyTooLarge(limits.maxBodyBytes());
            context.meter().refused(error.code());
            return error.toResponse(request instanceof HttpRequest head
                    ? InferenceRoute.Api.of(head) : InferenceRoute.Api.BEFORE_ANY_REQUEST);
        }
    }
}
