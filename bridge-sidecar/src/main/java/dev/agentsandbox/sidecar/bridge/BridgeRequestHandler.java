package dev.agentsandbox.sidecar.bridge;

import dev.agentsandbox.sidecar.core.HttpReplies;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import io.netty.resolver.AddressResolverGroup;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * The agent side of the bridge: judges each request (path, budget, model), completes it, and hands it to a
 * {@link RunnerExchange}. One request at a time per connection: reading pauses until the answer is complete, so
 * pipelined requests wait their turn instead of interleaving their answers.
 */
final class BridgeRequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    /** The reservation of a request that holds none (the model list). */
    private static final long NOT_ADMITTED = -1;

    private final BridgeContext context;
    private final AddressResolverGroup<InetSocketAddress> resolver;
    private final RunnerConnections runnerConnections;
    private final Duration requestTimeout;
    private RunnerExchange exchange;
    /** The next request's deadline: armed while the connection waits for one. */
    private MovingDeadline requestDeadline;

    BridgeRequestHandler(BridgeContext context, AddressResolverGroup<InetSocketAddress> resolver,
                         RunnerConnections runnerConnections, Duration requestTimeout) {
        this.context = context;
        this.resolver = resolver;
        this.runnerConnections = runnerConnections;
        this.requestTimeout = requestTimeout;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        requestDeadline = new MovingDeadline(ctx.executor(), () -> {
            if (exchange == null && ctx.channel().isActive()) {
                refuse(ctx, false, BridgeError.requestTimeout(requestTimeout.toSeconds()),
                        InferenceRoute.Api.BEFORE_ANY_REQUEST, null, null);
            }
        });
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        awaitRequest(ctx);
        ctx.fireChannelActive();
    }

    /**
     * Starts the clock for the next request (head and body, which the aggregator holds in memory until complete):
     * a client that trickles or stalls is answered {@code 408} and closed, freeing what it made the bridge hold.
     */
    private void awaitRequest(ChannelHandlerContext ctx) {
        requestDeadline.arm(requestTimeout.toNanos());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        requestDeadline.disarm();
        ctx.channel().config().setAutoRead(false);
        long start = System.nanoTime();
        InferenceRoute.Api api = InferenceRoute.Api.of(request);
        if (request.decoderResult().isFailure()) {
            refuse(ctx, false, BridgeError.badRequest("malformed HTTP request: "
                    + request.decoderResult().cause().getMessage()), api, null, null);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        BridgePolicy policy = context.policy().get();
        Optional<InferenceRoute> route = InferenceRoute.match(request.method(), request.uri());
        if (route.isEmpty()) {
            String path = request.uri().split("\\?", 2)[0];
            refuse(ctx, keepAlive, BridgeError.pathNotAllowed(request.method().name(), path), api, path, null);
            return;
        }
        Optional<BridgeError> overBudget = policy.budget().check(context.meter().tokensUsed());
        if (overBudget.isPresent()) {
            refuse(ctx, keepAlive, overBudget.get(), api, route.get().path(), null);
            return;
        }
        long reservation = NOT_ADMITTED;
        ByteBuf body = request.content();
        String model = null;
        if (route.get().hasModelInBody()) {
            var rewritten = InferenceRequestRewriter.rewrite(route.get(), ByteBufUtil.getBytes(body),
                    policy.models());
            if (rewritten.refused()) {
                refuse(ctx, keepAlive, rewritten.refusal(), api, route.get().path(), null);
                return;
            }
            model = rewritten.model();
            Optional<BridgeError> usageless = context.usagelessStreams().admit(model, rewritten.streaming());
            if (usageless.isPresent()) {
                refuse(ctx, keepAlive, usageless.get(), api, route.get().path(), model);
                return;
            }
            long estimate = TokenBudget.estimate(rewritten.body().length, rewritten.maxTokens());
            Optional<BridgeError> noRoom = context.meter().admit(policy.budget(), estimate);
            if (noRoom.isPresent()) {
                refuse(ctx, keepAlive, noRoom.get(), api, route.get().path(), model);
                return;
            }
            reservation = estimate;
            // a body sent as it came goes on in its own buffer (the request's, released when this method returns)
            body = rewritten.asSent() ? body.retain() : Unpooled.wrappedBuffer(rewritten.body());
        } else {
            body = Unpooled.EMPTY_BUFFER;
        }
        long admitted = reservation;
        RunnerEndpoints runner = policy.runner();
        // The client's headers, stripped, go on as the runner request's; its trailers do not.
        ForwardedHeaders.strip(request.headers(), ForwardedHeaders.SET_BY_BRIDGE_ON_REQUEST);
        FullHttpRequest upstream = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, request.method(),
                runner.target(route.get(), InferenceRoute.queryOf(request.uri())), body, request.headers(),
                DefaultHttpHeadersFactory.trailersFactory().newHeaders());
        upstream.headers()
                .set(HttpHeaderNames.HOST, runner.hostHeader())
                .set(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.IDENTITY);
        if (route.get().hasModelInBody()) {
            HttpUtil.setContentLength(upstream, body.readableBytes());
        }
        context.meter().forwarded(model);
        exchange = RunnerExchange.start(ctx.channel(),
                new RunnerExchange.ForwardedRequest(upstream, route.get(), model, policy.models(), keepAlive,
                        runner, body.readableBytes(), start),
                context, resolver, runnerConnections, reusable -> exchangeDone(ctx, reusable, admitted));
    }

    private void exchangeDone(ChannelHandlerContext ctx, boolean reusable, long reservation) {
        // The exchange recorded its usage before calling back: the tokens are counted before the reservation goes.
        if (reservation != NOT_ADMITTED) {
            context.meter().release(reservation);
        }
        exchange = null;
        if (reusable) {
            awaitRequest(ctx);
            ctx.channel().config().setAutoRead(true);
        } else {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void refuse(ChannelHandlerContext ctx, boolean keepAlive, BridgeError error, InferenceRoute.Api api,
                        String path, String model) {
        context.meter().refused(error.code());
        context.log().info("refused")
                .field("path", path)
                .field("model", model)
                .field("status", error.status().code())
                .field("code", error.code())
                .field("reason", error.message())
                .write();
        FullHttpResponse answer = error.toResponse(api);
        if (keepAlive) {
            HttpUtil.setKeepAlive(answer, true);
            ctx.writeAndFlush(answer);
            awaitRequest(ctx);
            ctx.channel().config().setAutoRead(true);
        } else {
            HttpReplies.sendAndClose(ctx, answer);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.clientWritabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        requestDeadline.stop();
        if (exchange != null) {
            exchange.clientGone();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
