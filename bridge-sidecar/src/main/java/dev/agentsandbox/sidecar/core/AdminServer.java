package dev.agentsandbox.sidecar.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.agentsandbox.sidecar.contract.AdminPaths;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.timeout.ReadTimeoutHandler;

import java.net.InetSocketAddress;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The read-only admin endpoint every role exposes: {@code GET /healthz} ({@code 200 ok} or {@code 503}),
 * {@code GET /metrics} (Prometheus text from the role's registry) and {@code GET /status} (the role's status
 * object as JSON; the operator copies it into the sandbox status). Nothing here changes state.
 */
public final class AdminServer {

    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final Supplier<Object> status;
    private final BooleanSupplier healthy;

    /**
     * @param status  produces the object rendered at {@code /status} (a record or map; never a secret)
     * @param healthy whether {@code /healthz} answers 200
     */
    public AdminServer(PrometheusMeterRegistry registry, Supplier<Object> status, BooleanSupplier healthy) {
        this.registry = registry;
        this.status = status;
        this.healthy = healthy;
    }

    /** Starts listening; returns the bound address (useful with port 0). */
    public InetSocketAddress start(EventLoops loops, HostAndPort address) throws InterruptedException {
        Channel channel = loops.listen(address, new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new ReadTimeoutHandler(30),
                        new HttpServerCodec(4096, 8192, 8192),
                        new HttpObjectAggregator(4096),
                        new Handler());
            }
        });
        return (InetSocketAddress) channel.localAddress();
    }

    private FullHttpResponse answer(FullHttpRequest request) {
        if (!HttpMethod.GET.equals(request.method())) {
            return HttpReplies.text(HttpResponseStatus.METHOD_NOT_ALLOWED, "the admin endpoint is read-only\n");
        }
        String path = request.uri();
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        switch (path) {
            case AdminPaths.HEALTHZ:
                return healthy.getAsBoolean()
                        ? HttpReplies.text(HttpResponseStatus.OK, "ok\n")
                        : HttpReplies.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "unhealthy\n");
            case AdminPaths.METRICS:
                return HttpReplies.of(HttpResponseStatus.OK, PROMETHEUS_TEXT, registry.scrape());
            case AdminPaths.STATUS:
                try {
                    return HttpReplies.json(HttpResponseStatus.OK, JSON.writeValueAsString(status.get()) + "\n");
                } catch (JsonProcessingException e) {
                    return HttpReplies.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "status unavailable\n");
                }
            default:
                return HttpReplies.text(HttpResponseStatus.NOT_FOUND, "try /healthz, /metrics or /status\n");
        }
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            FullHttpResponse response = answer(request);
            if (HttpUtil.isKeepAlive(request)) {
                ctx.writeAndFlush(response);
            } else {
                HttpReplies.sendAndClose(ctx, response);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
