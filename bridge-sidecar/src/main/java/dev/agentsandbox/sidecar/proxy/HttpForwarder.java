package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.contract.CredentialRule;
import dev.agentsandbox.sidecar.core.HostAndPort;
import dev.agentsandbox.sidecar.core.HttpFraming;
import dev.agentsandbox.sidecar.core.Relay;
import dev.agentsandbox.sidecar.proxy.policy.Denial;
import dev.agentsandbox.sidecar.proxy.policy.EgressPolicy;
import dev.agentsandbox.sidecar.proxy.policy.HostVerdict;
import dev.agentsandbox.sidecar.proxy.policy.RequestTarget;
import dev.agentsandbox.sidecar.proxy.policy.RequestTargetCheck;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;
import java.util.List;

/**
 * Forwards the HTTP/1.1 requests of one client connection to their upstream, with keep-alive, streaming request
 * bodies and back-pressure: the request side. The {@link UpstreamLink} holds the upstream connection, the
 * {@link ResponseRelay} carries the responses back. Two modes:
 * <ul>
 *   <li><b>plain</b> ({@code destination == null}): absolute-form {@code http://} requests on the proxy port;
 *       each request's host is judged by the {@link EgressGate}; never any credential;</li>
 *   <li><b>intercepted</b>: requests decrypted from a CONNECT tunnel to a host with a credential rule; every
 *       request must name that host, and the credential the policy decides on is injected
 *       ({@link CredentialInjection}).</li>
 * </ul>
 * Whether a request names its target unambiguously is decided by {@link RequestTargetCheck} first. One request
 * at a time: the client is not read while a response is outstanding (no pipelining). A WebSocket upgrade
 * ({@code 101}) hands both connections over to a byte relay ({@link ProtocolUpgrade}).
 */
final class HttpForwarder extends ChannelInboundHandlerAdapter implements ResponseRelay.RequestSide {

    static final String NAME = "forward";
    /**
     * Pipelined messages (of up to 64 KiB each) held while a response is awaited; beyond this the client is no
     * longer read until the exchange ends.
     */
    private static final int MAX_BACKLOG = 16;

    private final ProxyContext cx;
    private final CheckedDestination intercepted;

    private ChannelHandlerContext ctx;
    private UpstreamLink upstream;
    private final ArrayDeque<Object> backlog = new ArrayDeque<>(2);
    private final ExchangeProgress exchange = new ExchangeProgress();
    private boolean handedOver;
    /** The credential injected into the current request, also kept out of its trailers. */
    private CredentialRule requestCredential;
    /** The current request carries the real credential: its answer says whether the upstream accepts it. */
    private boolean requestInjected;

    /** @param intercepted the tunnel's destination in intercepted mode; null for plain HTTP */
    HttpForwarder(ProxyContext cx, CheckedDestination intercepted) {
        this.cx = cx;
        this.intercepted = intercepted;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.upstream = new UpstreamLink(cx, ctx.channel(), this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!backlog.isEmpty() || msg instanceof HttpRequest && exchange.inProgress()) {
            // A pipelined request: it waits until the current exchange ends.
            backlog.add(msg);
            if (backlog.size() >= MAX_BACKLOG) {
                ctx.channel().config().setAutoRead(false);
            }
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
                // A broken body (bad chunk framing): the upstream connection goes before the message it carries
                // is complete, so the upstream never reads a whole request nor anything after the bad chunk.
                cx.recorder().limitExceeded("malformed-request", client());
                upstream.close();
                releasePending();
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
        exchange.begin(HttpUtil.isKeepAlive(request));
        HttpFraming.Problem framing = HttpFraming.check(request);
        if (framing != null) {
            // Refused before anything is sent: the upstream must not read a body the proxy would read otherwise.
            exchange.refuse();
            refuseFraming(framing);
            return;
        }
        List<String> hostHeaders = request.headers().getAll(HttpHeaderNames.HOST);
        RequestTargetCheck.Outcome checked = intercepted == null
                ? RequestTargetCheck.plain(request.uri(), hostHeaders)
                : RequestTargetCheck.intercepted(intercepted.host(), intercepted.port(), request.uri(), hostHeaders);
        if (!checked.isAccepted()) {
            deny(checked.host(), checked.port(), checked.denial());
            exchange.refuse();
            return;
        }
        RequestTarget target = checked.target();
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

    private void forwardPlain(HttpRequest request, RequestTarget target) {
        HostVerdict verdict = cx.policy().get().decide(target.host(), target.port());
        String key = verdict.host() + ":" + target.port();
        if (upstream.isOpenTo(key) && verdict.isAllowed()) {
            cx.recorder().allowed("http", verdict.host(), target.port(), verdict.rule(), client());
            upstream.sendHead(request);
            return;
        }
        upstream.close();
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
            cx.recorder().connectionError("proxy", e, client());
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
            cx.recorder().allowed("http", admission.host(), admission.port(), admission.destination().rule(), client());
            upstream.connect(admission.destination(), false, key);
        }
    }

    private void forwardIntercepted(HttpRequest request, RequestTarget target) {
        EgressPolicy policy = cx.policy().get();
        HostVerdict verdict = policy.decide(target.host(), target.port());
        if (!verdict.isAllowed()) {
            // The policy changed since the tunnel opened.
            requestCredential = null;
            requestInjected = false;
            deny(verdict.host(), target.port(), verdict.denial());
            return;
        }
        UpstreamPool.keepUpstreamOpen(request.headers());
        requestCredential = verdict.credential();
        boolean injected = CredentialInjection.inject(request.headers(), requestCredential, cx.credentials());
        requestInjected = injected;
        if (injected) {
            cx.recorder().injected(verdict.host());
        }
        cx.recorder().allowed(injected ? "https-credential" : "https", verdict.host(), target.port(), verdict.rule(),
                client());
        if (upstream.isOpen()) {
            upstream.sendHead(request);
            return;
        }
        startConnecting(request);
        upstream.connect(intercepted, true, null);
    }

    private void onRequestContent(HttpContent content) {
        if (exchange.discarding()) {
            content.release();
            return;
        }
        if (content instanceof LastHttpContent last) {
            CredentialInjection.stripTrailers(last.trailingHeaders(), requestCredential);
            exchange.requestEnded();
            updateClientReading();
        }
        upstream.send(content);
    }

    private void startConnecting(HttpRequest request) {
        upstream.startConnecting(request);
        updateClientReading();
    }

    /**
     * Reads from the client when a request body can flow on to a ready, writable upstream, and while a response is
     * awaited too (into the bounded backlog): a client that gives up is then seen at once, and its upstream
     * connection closed, instead of both sockets lingering until the idle timeout.
     */
    private void updateClientReading() {
        boolean read = !upstream.isConnecting() && upstream.isWritable()
                && (!exchange.awaitingResponse() || backlog.size() < MAX_BACKLOG);
        ctx.channel().config().setAutoRead(read);
        if (read) {
            ctx.read();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        upstream.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        upstream.readResponses(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        upstream.closeOrKeep();
        releasePending();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (!handedOver) {
            upstream.close();
            releasePending();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        cx.recorder().connectionError("client", cause, client());
        ctx.close();
    }

    /** Drops every request message not yet sent: those waiting for a connection and the pipelined ones. */
    private void releasePending() {
        upstream.release();
        Object message;
        while ((message = backlog.poll()) != null) {
            ReferenceCountUtil.release(message);
        }
    }

    /** Handles pipelined messages that arrived during the exchange that just ended, up to the next exchange. */
    private void drainBacklog() {
        while (!backlog.isEmpty() && !(backlog.peek() instanceof HttpRequest && exchange.inProgress())) {
            handle(backlog.poll());
        }
        upstream.flush();
    }

    private void refuseMalformed(Throwable cause) {
        boolean tooLong = cause instanceof TooLongFrameException;
        cx.recorder().limitExceeded(tooLong ? "header-size" : "malformed-request", client());
        ProxyReplies.error(ctx, tooLong ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                : HttpResponseStatus.BAD_REQUEST, tooLong ? "header-too-large" : "malformed-request",
                tooLong ? "request line or headers too large" : "malformed HTTP request");
    }

    private void refuseFraming(HttpFraming.Problem problem) {
        releasePending();
        upstream.close();
        cx.recorder().limitExceeded("bad-framing", client());
        ProxyReplies.error(ctx, problem.status(), "bad-framing", problem.detail());
    }

    private void deny(String host, int port, Denial denial) {
        releasePending();
        cx.recorder().denied(intercepted == null ? "http" : "https", host, port, denial, client());
        ProxyReplies.deny(ctx, host, port, denial);
    }

    private void fail(String host, int port, HttpResponseStatus status, String code, String message) {
        releasePending();
        cx.recorder().failed(intercepted == null ? "http" : "https", host, port, code, client());
        ProxyReplies.error(ctx, status, code, message);
    }

    private String client() {
        return HostAndPort.describe(ctx.channel().remoteAddress());
    }

    @Override
    public void finalResponse(HttpResponse response) {
        if (requestInjected) {
            cx.recorder().credentialAnswered(requestCredential, response.status().code());
        }
        if (!exchange.clientKeepAlive() && response.status().code() != HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
            // The upstream may keep its connection (an intercepted request's close stays on the client's hop):
            // the client learns that its own one closes after this response (a 101 keeps its upgrade header).
            HttpUtil.setKeepAlive(response, false);
        }
    }

    @Override
    public void responseEnded(boolean upstreamCloses) {
        upstream.exchangeEnded(!upstreamCloses && exchange.requestComplete());
        boolean reusable = exchange.responseEnded();
        if (upstreamCloses || !reusable) {
            ctx.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.channel().flush();
        // The next request head is held to the header timeout like the first one.
        ctx.pipeline().fireUserEventTriggered(HeaderDeadline.AWAITING_NEXT_REQUEST);
        drainBacklog();
        updateClientReading();
    }

    @Override
    public void switchedProtocols(ChannelHandlerContext upstreamCtx) {
        handedOver = true;
        ProtocolUpgrade.handOver(ctx.channel(), this, upstreamCtx.channel(), upstreamCtx.handler(),
                upstream.bytesUp(), upstream.bytesDown());
    }

    @Override
    public void upstreamClosed(Channel closed) {
        // A connection the proxy dropped itself (the client moved on to another host) says nothing about the
        // current exchange: only the loss of the current one cuts it short.
        if (upstream.closed(closed) && exchange.inProgress()) {
            Relay.closeOnFlush(ctx.channel());
        }
    }

    @Override
    public boolean resentElsewhere(Channel lost) {
        return exchange.inProgress() && ctx.channel().isActive() && upstream.resendOnNewConnection(lost);
    }

    @Override
    public void upstreamFailed(CheckedDestination destination, String code) {
        fail(destination.host(), destination.port(), HttpResponseStatus.BAD_GATEWAY, code,
                code + " for " + destination);
    }

    @Override
    public void upstreamUnreachable(CheckedDestination destination) {
        fail(destination.host(), destination.port(), HttpResponseStatus.BAD_GATEWAY, "upstream-unreachable",
                "cannot connect to " + destination);
    }

    @Override
    public void upstreamReady() {
        updateClientReading();
    }

    @Override
    public void upstreamWritabilityChanged() {
        updateClientReading();
    }
}
