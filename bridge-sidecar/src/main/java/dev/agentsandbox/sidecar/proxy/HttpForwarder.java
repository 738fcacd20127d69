package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.core.HostAndPort;
import dev.agentsandbox.sidecar.config.CredentialRule;
import dev.agentsandbox.sidecar.core.Relay;
import io.micrometer.core.instrument.Counter;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Forwards the HTTP/1.1 requests of one client connection, with keep-alive, streaming bodies both ways and
 * back-pressure. Two modes:
 * <ul>
 *   <li><b>plain</b> ({@code destination == null}): absolute-form {@code http://} requests on the proxy port;
 *       each request's host is judged by the {@link EgressGate}; never any credential;</li>
 *   <li><b>intercepted</b>: requests decrypted from a CONNECT tunnel to a host with a credential rule; every
 *       request must name that host, and the credential header is replaced by the real value
 *       ({@link #injectCredential}).</li>
 * </ul>
 * One request at a time: the client is not read while a response is outstanding (no pipelining). A WebSocket
 * upgrade ({@code 101}) turns both connections into a byte {@link Relay}.
 */
final class HttpForwarder extends ChannelInboundHandlerAdapter {

    static final String NAME = "forward";
    private static final int MAX_CHUNK = 64 * 1024;

    private final ProxyContext cx;
    private final CheckedDestination intercepted;

    private ChannelHandlerContext ctx;
    private Channel upstream;
    private String upstreamKey;
    private Counter bytesUp;
    private Counter bytesDown;
    private final ArrayDeque<Object> pending = new ArrayDeque<>(4);
    private final ArrayDeque<Object> backlog = new ArrayDeque<>(2);
    private boolean connecting;
    private boolean awaitingResponse;
    private boolean exchangeInProgress;
    private boolean requestComplete;
    private boolean discardingRequest;
    private boolean clientKeepAlive;
    private boolean handedOver;

    /** @param intercepted the tunnel's destination in intercepted mode; null for plain HTTP */
    HttpForwarder(ProxyContext cx, CheckedDestination intercepted) {
        this.cx = cx;
        this.intercepted = intercepted;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!backlog.isEmpty() || msg instanceof HttpRequest && exchangeInProgress) {
            // A pipelined request: it waits until the current exchange ends.
            backlog.add(msg);
            return;
        }
        handle(msg);
    }

    private void handle(Object msg) {
        if (msg instanceof HttpObject object && object.decoderResult().isFailure()) {
            ReferenceCountUtil.release(msg);
            if (msg instanceof HttpRequest) {
                refuseMalformed(object.decoderResult().cause());
            } else {
                // A broken body (bad chunk framing): the exchange cannot be completed honestly.
                cx.events().limitExceeded("malformed-request", client());
                ctx.close();
            }
            return;
        }
        if (msg instanceof HttpRequest request) {
            onRequest(request);
        } else if (msg instanceof HttpContent content) {
            onRequestContent(content);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onRequest(HttpRequest request) {
        discardingRequest = false;
        clientKeepAlive = HttpUtil.isKeepAlive(request);
        exchangeInProgress = true;
        requestComplete = false;
        RequestTarget target = intercepted == null ? plainTarget(request) : interceptedTarget(request);
        if (target == null) {
            discardingRequest = true;
            return;
        }
        HttpHeaders headers = request.headers();
        headers.remove(HttpHeaderNames.PROXY_AUTHORIZATION);
        headers.remove("Proxy-Connection");
        headers.set(HttpHeaderNames.HOST, target.authority());
        request.setUri(target.pathAndQuery());
        if (intercepted == null) {
            forwardPlain(request, target);
        } else {
            forwardIntercepted(request, target);
        }
    }

    /** The target of an absolute-form request, or null after refusing it. */
    private RequestTarget plainTarget(HttpRequest request) {
        RequestTarget target;
        try {
            target = RequestTarget.parseAbsolute(request.uri());
        } catch (IllegalArgumentException e) {
            deny("?", 0, new Denial(DenyReason.INVALID_HOST, "unparsable request target"));
            return null;
        }
        if (target == null || request.uri().regionMatches(true, 0, "https:", 0, 6)) {
            deny("?", 0, new Denial(DenyReason.NOT_A_PROXY_REQUEST,
                    "send http:// URLs in absolute form and https:// through CONNECT"));
            return null;
        }
        return checkedTarget(request, target, 80);
    }

    /** The target of a request inside an intercepted tunnel, which must name the tunnel's host; null if refused. */
    private RequestTarget interceptedTarget(HttpRequest request) {
        String authority = intercepted.port() == 443 ? intercepted.host() : intercepted.host() + ":" + intercepted.port();
        RequestTarget target = new RequestTarget(intercepted.host(), intercepted.port(), authority,
                request.uri(), false);
        if (!request.uri().startsWith("/")) {
            RequestTarget absolute = RequestTarget.parseAbsolute(request.uri());
            if (absolute == null || !absolute.matchesHostHeader(authority, 443)) {
                deny(intercepted.host(), intercepted.port(), new Denial(DenyReason.HOST_MISMATCH,
                        "request target names another host than the tunnel"));
                return null;
            }
            target = new RequestTarget(intercepted.host(), intercepted.port(), authority, absolute.pathAndQuery(),
                    absolute.hasUserinfo());
        }
        return checkedTarget(request, target, 443);
    }

    private RequestTarget checkedTarget(HttpRequest request, RequestTarget target, int defaultPort) {
        if (target.hasUserinfo()) {
            deny(target.host(), target.port(), new Denial(DenyReason.USERINFO, "user@host URLs are refused"));
            return null;
        }
        String hostHeader = request.headers().get(HttpHeaderNames.HOST);
        if (hostHeader != null && !target.matchesHostHeader(hostHeader, defaultPort)) {
            deny(target.host(), target.port(), new Denial(DenyReason.HOST_MISMATCH,
                    "Host header does not name the request's host"));
            return null;
        }
        if (request.headers().getAll(HttpHeaderNames.HOST).size() > 1) {
            deny(target.host(), target.port(), new Denial(DenyReason.HOST_MISMATCH, "several Host headers"));
            return null;
        }
        return target;
    }

    private void forwardPlain(HttpRequest request, RequestTarget target) {
        HostVerdict verdict = cx.policy().get().decide(target.host(), target.port());
        String key = verdict.host() + ":" + target.port();
        if (upstream != null && upstream.isActive() && key.equals(upstreamKey) && verdict.isAllowed()) {
            cx.events().allowed("http", verdict.host(), target.port(), verdict.rule(), client());
            sendRequestHead(request);
            return;
        }
        closeUpstream();
        startConnecting(request);
        cx.gate().admit(target.host(), target.port()).whenComplete((admission, error) ->
                ctx.executor().execute(() -> onAdmission(admission, key)));
    }

    private void onAdmission(Admission admission, String key) {
        if (!ctx.channel().isActive()) {
            releasePending();
            return;
        }
        try {
            dispatch(admission, key);
        } catch (RuntimeException e) {
            // Runs outside the pipeline (a callback): nothing else would answer the client or log the failure.
            cx.events().connectionError("proxy", e, client());
            fail("?", 0, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal-error", "internal error");
        }
    }

    private void dispatch(Admission admission, String key) {
        if (admission == null) {
            fail("?", 0, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal-error", "internal error");
        } else if (admission.denial() != null) {
            deny(admission.host(), admission.port(), admission.denial());
        } else if (admission.failure() != null) {
            fail(admission.host(), admission.port(), HttpResponseStatus.BAD_GATEWAY, "dns-failure",
                    admission.failure());
        } else {
            cx.events().allowed("http", admission.host(), admission.port(), admission.destination().rule(), client());
            upstreamKey = key;
            dial(admission.destination(), false);
        }
    }

    private void forwardIntercepted(HttpRequest request, RequestTarget target) {
        EgressPolicy policy = cx.policy().get();
        HostVerdict verdict = policy.decide(target.host(), target.port());
        if (!verdict.isAllowed()) {
            // The policy changed since the tunnel opened.
            deny(verdict.host(), target.port(), verdict.denial());
            return;
        }
        boolean injected = injectCredential(request.headers(), policy.credentialFor(intercepted.host()));
        cx.events().allowed(injected ? "https-credential" : "https", verdict.host(), target.port(), verdict.rule(),
                client());
        if (upstream != null && upstream.isActive()) {
            sendRequestHead(request);
            return;
        }
        startConnecting(request);
        dial(intercepted, true);
    }

    /**
     * Removes every copy of the credential's header the client sent (header names are case-insensitive), then
     * sets the real value. Without a rule, nothing is touched; without a readable secret, the client's copies are
     * still removed so a placeholder never reaches the upstream as if it were the key.
     */
    private boolean injectCredential(HttpHeaders headers, CredentialRule rule) {
        if (rule == null) {
            return false;
        }
        headers.remove(rule.header());
        String value = cx.credentials().headerValue(rule);
        if (value == null) {
            return false;
        }
        headers.set(rule.header(), value);
        return true;
    }

    private void onRequestContent(HttpContent content) {
        if (discardingRequest) {
            content.release();
            return;
        }
        if (content instanceof LastHttpContent last) {
            if (intercepted != null && !last.trailingHeaders().isEmpty()) {
                CredentialRule rule = cx.policy().get().credentialFor(intercepted.host());
                if (rule != null) {
                    last.trailingHeaders().remove(rule.header());
                }
            }
            requestComplete = true;
            awaitingResponse = true;
            updateClientReading();
        }
        if (connecting) {
            pending.add(content);
        } else if (upstream != null && upstream.isActive()) {
            bytesUp.increment(content.content().readableBytes());
            upstream.write(content, upstream.voidPromise());
        } else {
            content.release();
        }
    }

    private void sendRequestHead(HttpRequest request) {
        upstream.write(request, upstream.voidPromise());
    }

    private void startConnecting(HttpRequest request) {
        connecting = true;
        pending.add(request);
        updateClientReading();
    }

    private void dial(CheckedDestination destination, boolean tls) {
        bytesUp = cx.events().bytes(destination.host(), "upstream");
        bytesDown = cx.events().bytes(destination.host(), "downstream");
        long idleSeconds = cx.limits().idleTimeout().toSeconds();
        ChannelFuture connect = cx.dialer().dial(destination, ctx.channel().eventLoop(), new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ChannelPipeline pipeline = ch.pipeline();
                if (tls) {
                    pipeline.addLast("tls", cx.upstreamTls().newHandler(ch.alloc(), destination.host(),
                            destination.port()));
                }
                pipeline.addLast("idle", new IdleStateHandler(0, 0, idleSeconds, TimeUnit.SECONDS));
                pipeline.addLast("idle-close", IdleCloser.INSTANCE);
                pipeline.addLast("http", new HttpClientCodec(8192, cx.limits().maxHeaderBytes(), MAX_CHUNK));
                pipeline.addLast("response", new ResponseRelay(destination));
            }
        });
        connect.addListener((ChannelFutureListener) done -> {
            if (!done.isSuccess()) {
                fail(destination.host(), destination.port(), HttpResponseStatus.BAD_GATEWAY, "upstream-unreachable",
                        "cannot connect to " + destination);
                return;
            }
            if (!ctx.channel().isActive()) {
                done.channel().close();
                releasePending();
                return;
            }
            upstream = done.channel();
            connecting = false;
            while (!pending.isEmpty()) {
                Object message = pending.poll();
                if (message instanceof HttpContent content) {
                    bytesUp.increment(content.content().readableBytes());
                }
                upstream.write(message, upstream.voidPromise());
            }
            upstream.flush();
            upstream.config().setAutoRead(true);
            upstream.read();
            updateClientReading();
        });
    }

    /** Reads from the client only when a request body can flow on to a ready, writable upstream. */
    private void updateClientReading() {
        boolean read = !connecting && !awaitingResponse && (upstream == null || upstream.isWritable());
        ctx.channel().config().setAutoRead(read);
        if (read) {
            ctx.read();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (upstream != null && !connecting) {
            upstream.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (upstream != null) {
            upstream.config().setAutoRead(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeUpstream();
        releasePending();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (!handedOver) {
            closeUpstream();
            releasePending();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        cx.events().connectionError("client", cause, client());
        ctx.close();
    }

    private void closeUpstream() {
        if (upstream != null) {
            upstream.close();
            upstream = null;
            upstreamKey = null;
        }
    }

    private void releasePending() {
        Object message;
        while ((message = pending.poll()) != null) {
            ReferenceCountUtil.release(message);
        }
        while ((message = backlog.poll()) != null) {
            ReferenceCountUtil.release(message);
        }
        connecting = false;
    }

    /** Handles pipelined messages that arrived during the exchange that just ended, up to the next exchange. */
    private void drainBacklog() {
        while (!backlog.isEmpty() && !(backlog.peek() instanceof HttpRequest && exchangeInProgress)) {
            handle(backlog.poll());
        }
        if (upstream != null && !connecting) {
            upstream.flush();
        }
    }

    private void refuseMalformed(Throwable cause) {
        boolean tooLong = cause instanceof TooLongFrameException;
        cx.events().limitExceeded(tooLong ? "header-size" : "malformed-request", client());
        ProxyReplies.error(ctx, tooLong ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                : HttpResponseStatus.BAD_REQUEST, tooLong ? "header-too-large" : "malformed-request",
                tooLong ? "request line or headers too large" : "malformed HTTP request");
    }

    private void deny(String host, int port, Denial denial) {
        releasePending();
        cx.events().denied(intercepted == null ? "http" : "https", host, port, denial, client());
        ProxyReplies.deny(ctx, host, port, denial);
    }

    private void fail(String host, int port, HttpResponseStatus status, String code, String message) {
        releasePending();
        cx.events().failed(intercepted == null ? "http" : "https", host, port, code, client());
        ProxyReplies.error(ctx, status, code, message);
    }

    private String client() {
        return HostAndPort.describe(ctx.channel().remoteAddress());
    }

    private static boolean causedByTls(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException) {
                return true;
            }
        }
        return false;
    }

    /** Carries one upstream connection's responses back to the client. */
    private final class ResponseRelay extends ChannelInboundHandlerAdapter {
        private final CheckedDestination destination;
        private final long started = System.nanoTime();
        private boolean responseStarted;
        private boolean switchingProtocols;
        private boolean interim;
        private boolean closeAfterResponse;

        ResponseRelay(CheckedDestination destination) {
            this.destination = destination;
        }

        @Override
        public void channelRead(ChannelHandlerContext upstreamCtx, Object msg) {
            Channel client = ctx.channel();
            if (!client.isActive()) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof HttpResponse response) {
                onResponseHead(response);
            }
            if (msg instanceof HttpContent content) {
                bytesDown.increment(content.content().readableBytes());
            }
            client.write(msg, client.voidPromise());
            if (msg instanceof LastHttpContent) {
                onResponseEnd(upstreamCtx);
            }
        }

        private void onResponseHead(HttpResponse response) {
            if (!responseStarted) {
                responseStarted = true;
                cx.events().upstreamResponded(System.nanoTime() - started);
            }
            int code = response.status().code();
            switchingProtocols = code == 101;
            interim = code < 200 && !switchingProtocols;
            if (interim) {
                return;
            }
            boolean delimited = HttpUtil.isContentLengthSet(response) || HttpUtil.isTransferEncodingChunked(response)
                    || code == 101 || code == 204 || code == 304;
            if (!HttpUtil.isKeepAlive(response) || !delimited) {
                closeAfterResponse = true;
            }
        }

        private void onResponseEnd(ChannelHandlerContext upstreamCtx) {
            Channel client = ctx.channel();
            if (switchingProtocols) {
                switchToRelay(upstreamCtx);
                return;
            }
            if (interim) {
                // 100 Continue and friends: the final response is still to come.
                interim = false;
                client.flush();
                return;
            }
            awaitingResponse = false;
            exchangeInProgress = false;
            // An upstream that answered before the request body ended leaves the connection out of step: close it.
            if (closeAfterResponse || !clientKeepAlive || !requestComplete) {
                client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            client.flush();
            drainBacklog();
            updateClientReading();
        }

        /** After a 101, both sides speak the upgraded protocol: drop the HTTP codecs and pipe bytes. */
        private void switchToRelay(ChannelHandlerContext upstreamCtx) {
            Channel client = ctx.channel();
            Channel server = upstreamCtx.channel();
            client.flush();
            handedOver = true;
            Relay.join(client, server, bytesUp::increment, bytesDown::increment);
            ChannelPipeline clientPipeline = client.pipeline();
            clientPipeline.remove(HttpForwarder.this);
            if (clientPipeline.get(ProxyFrontend.NAME) != null) {
                clientPipeline.remove(ProxyFrontend.NAME);
            }
            clientPipeline.remove(HttpServerCodec.class);
            ChannelPipeline serverPipeline = server.pipeline();
            serverPipeline.remove(this);
            serverPipeline.remove(HttpClientCodec.class);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext upstreamCtx) {
            ctx.channel().flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext upstreamCtx) {
            updateClientReading();
        }

        @Override
        public void channelInactive(ChannelHandlerContext upstreamCtx) {
            if (upstreamCtx.channel() == upstream) {
                upstream = null;
                upstreamKey = null;
            }
            if (exchangeInProgress) {
                Relay.closeOnFlush(ctx.channel());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext upstreamCtx, Throwable cause) {
            upstreamCtx.close();
            if (!responseStarted && ctx.channel().isActive()) {
                String code = causedByTls(cause) ? "upstream-tls-failed" : "upstream-failed";
                fail(destination.host(), destination.port(), HttpResponseStatus.BAD_GATEWAY, code,
                        code + " for " + destination);
            } else {
                ctx.channel().close();
            }
        }
    }
}
