package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.core.HttpFraming;
import io.micrometer.core.instrument.Counter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The upstream side of one client connection: the connection to a destination the {@link EgressGate} admitted,
 * kept for the next request to the same destination, and the request messages that wait while it opens. Bytes are
 * counted each way, per host. An intercepted tunnel's connection comes from the {@link UpstreamPool} when one is
 * idle there, and goes back to it when the client leaves between exchanges. Runs on the client connection's event
 * loop.
 */
final class UpstreamLink {

    private static final int MAX_CHUNK = 64 * 1024;

    private final ProxyContext cx;
    private final Channel client;
    private final ResponseRelay.RequestSide requestSide;
    private final ArrayDeque<Object> pending = new ArrayDeque<>(4);
    private Channel channel;
    /** {@code host:port} of a plain-HTTP destination, to reuse the connection for the same one only. */
    private String key;
    private boolean connecting;
    /** The intercepted tunnel's destination while its connection is open (null for plain HTTP). */
    private CheckedDestination pooledDestination;
    /** The last exchange ended cleanly and the upstream keeps the connection: it may serve another client. */
    private boolean reusable;
    /**
     * The request sent on a connection taken from the pool, while it can be sent again on a new connection should
     * the pooled one turn out closed by the upstream before any answer (an idle connection the upstream let go as
     * it was taken): an idempotent request without a body. Null otherwise.
     */
    private HttpRequest resendable;
    /** The end of {@link #resendable} went out too. */
    private boolean resendableEnded;
    private Counter bytesUp;
    private Counter bytesDown;

    UpstreamLink(ProxyContext cx, Channel client, ResponseRelay.RequestSide requestSide) {
        this.cx = cx;
        this.client = client;
        this.requestSide = requestSide;
    }

    boolean isOpen() {
        return channel != null && channel.isActive();
    }

    boolean isOpenTo(String destinationKey) {
        return isOpen() && destinationKey.equals(key);
    }

    boolean isConnecting() {
        return connecting;
    }

    /** Whether a request body can flow on: no connection yet, or one that takes more. */
    boolean isWritable() {
        return channel == null || channel.isWritable();
    }

    /** Sends a request head on the open connection. */
    void sendHead(HttpRequest request) {
        reusable = false;
        resendable = null;
        channel.write(request, channel.voidPromise());
    }

    /** Holds the request head (and the body that follows) until {@link #connect} has a connection. */
    void startConnecting(HttpRequest request) {
        reusable = false;
        connecting = true;
        pending.add(request);
    }

    /** A piece of the request body: held while connecting, sent when open, dropped when the connection is gone. */
    void send(HttpContent content) {
        if (content instanceof LastHttpContent) {
            resendableEnded = true;
        }
        if (connecting) {
            pending.add(content);
        } else if (isOpen()) {
            bytesUp.increment(content.content().readableBytes());
            channel.write(content, channel.voidPromise());
        } else {
            content.release();
        }
    }

    /**
     * Dials the checked destination (or, for an intercepted tunnel, takes an idle connection to it from the pool)
     * and sends what waited.
     *
     * @param tls            whether to speak TLS to it, verifying its certificate (intercepted requests)
     * @param destinationKey {@code host:port} of a plain-HTTP destination, null for an intercepted tunnel's
     */
    void connect(CheckedDestination destination, boolean tls, String destinationKey) {
        key = destinationKey;
        bytesUp = cx.recorder().bytes(destination.host(), "upstream");
        bytesDown = cx.recorder().bytes(destination.host(), "downstream");
        pooledDestination = tls ? destination : null;
        Channel idle = tls ? cx.pool().take(destination, client.eventLoop()) : null;
        if (idle != null) {
            cx.recorder().upstreamReused();
            resendable = pending.peek() instanceof HttpRequest head && isResendable(head) ? head : null;
            resendableEnded = false;
            idle.pipeline().replace(UpstreamPool.HANDLER, UpstreamPool.HANDLER, relay(destination));
            opened(idle);
            return;
        }
        dial(destination, tls);
    }

    /**
     * The connection taken from the pool was lost before any answer: the request goes again on a new connection
     * when it can ({@link #resendable}).
     *
     * @return whether it was sent again (else the loss is the exchange's, as on any connection)
     */
    boolean resendOnNewConnection(Channel lost) {
        if (lost != channel || resendable == null) {
            return false;
        }
        HttpRequest head = resendable;
        boolean ended = resendableEnded;
        CheckedDestination destination = pooledDestination;
        close();
        connecting = true;
        pending.add(head);
        if (ended) {
            pending.add(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        pooledDestination = destination;
        dial(destination, true);
        return true;
    }

    /** RFC 9110, 9.2.2: only an idempotent request may be sent again; one without a body needs nothing kept. */
    private static boolean isResendable(HttpRequest head) {
        HttpMethod method = head.method();
        boolean idempotent = HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method)
                || HttpMethod.OPTIONS.equals(method) || HttpMethod.PUT.equals(method)
                || HttpMethod.DELETE.equals(method) || HttpMethod.TRACE.equals(method);
        return idempotent && !HttpUtil.isTransferEncodingChunked(head) && HttpUtil.getContentLength(head, 0L) == 0;
    }

    private void dial(CheckedDestination destination, boolean tls) {
        long idleSeconds = cx.limits().idleTimeout().toSeconds();
        cx.dialer().dial(destination, client.eventLoop(), new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ChannelPipeline pipeline = ch.pipeline();
                if (tls) {
                    pipeline.addLast("tls", cx.upstreamTls().newHandler(ch.alloc(), destination.host(),
                            destination.port()));
                }
                pipeline.addLast("idle", new IdleStateHandler(0, 0, idleSeconds, TimeUnit.SECONDS));
                pipeline.addLast("idle-close", IdleCloser.INSTANCE);
                pipeline.addLast("http", HttpFraming.clientCodec(cx.limits().maxHeaderBytes(), MAX_CHUNK));
                pipeline.addLast(UpstreamPool.HANDLER, relay(destination));
            }
        }).addListener((ChannelFutureListener) done -> {
            if (!done.isSuccess()) {
                requestSide.upstreamUnreachable(destination);
                return;
            }
            if (!client.isActive()) {
                done.channel().close();
                release();
                return;
            }
            opened(done.channel());
        });
    }

    private ResponseRelay relay(CheckedDestination destination) {
        return new ResponseRelay(client, destination, requestSide, cx.recorder(), bytesDown);
    }

    /** The connection is ready: what waited goes out and the responses are read. */
    private void opened(Channel ready) {
        channel = ready;
        connecting = false;
        while (!pending.isEmpty()) {
            Object message = pending.poll();
            if (message instanceof HttpContent content) {
                bytesUp.increment(content.content().readableBytes());
            }
            channel.write(message, channel.voidPromise());
        }
        channel.flush();
        channel.config().setAutoRead(true);
        channel.read();
        requestSide.upstreamReady();
    }

    /**
     * The current exchange's response was relayed.
     *
     * @param upstreamKeepsIt the whole request was sent and the upstream keeps the connection open
     */
    void exchangeEnded(boolean upstreamKeepsIt) {
        reusable = upstreamKeepsIt;
    }

    /** Flushes what was written, unless the connection is still opening (then it flushes once open). */
    void flush() {
        if (channel != null && !connecting) {
            channel.flush();
        }
    }

    /** Back-pressure from the client: read responses only as fast as the client takes them. */
    void readResponses(boolean read) {
        if (channel != null) {
            channel.config().setAutoRead(read);
        }
    }

    void close() {
        if (channel != null) {
            channel.close();
            forget();
        }
    }

    /**
     * The client left: an intercepted tunnel's connection whose last exchange ended cleanly goes back to the pool
     * for the next tunnel to the same destination; any other is closed.
     */
    void closeOrKeep() {
        if (reusable && pooledDestination != null && isOpen() && pending.isEmpty()) {
            cx.pool().offer(pooledDestination, channel);
            forget();
        } else {
            close();
        }
    }

    private void forget() {
        channel = null;
        key = null;
        pooledDestination = null;
        reusable = false;
        resendable = null;
    }

    /**
     * The connection closed (from either side); forgotten if it is the current one.
     *
     * @return whether it was the current one (not one {@link #close} already let go)
     */
    boolean closed(Channel closedChannel) {
        if (closedChannel == channel) {
            forget();
            return true;
        }
        return false;
    }

    /** Drops what waited to be sent: the request was refused or failed, or the client left. */
    void release() {
        Object message;
        while ((message = pending.poll()) != null) {
            ReferenceCountUtil.release(message);
        }
        connecting = false;
    }

    Counter bytesUp() {
        return bytesUp;
    }

    Counter bytesDown() {
        return bytesDown;
    }
}
