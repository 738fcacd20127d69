package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.core.HttpFraming;
import io.micrometer.core.instrument.Counter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import javax.net.ssl.SSLException;

/**
 * Carries one upstream connection's responses back to the client, and tells the request side ({@link RequestSide})
 * where each one ends: interim responses ({@code 100 Continue}) pass through, a {@code 101} hands both connections
 * over to a byte relay, and a final response says whether the connection can carry another exchange.
 */
final class ResponseRelay extends ChannelInboundHandlerAdapter {

    /** What the request side learns from the upstream connection. Called on the client's event loop. */
    interface RequestSide {

        /** The head of the final (not interim) response arrived; it may still be edited before it is relayed. */
        void finalResponse(HttpResponse response);

        /** The final response was relayed; {@code upstreamCloses} when it leaves the connection unusable. */
        void responseEnded(boolean upstreamCloses);

        /** A {@code 101} was relayed: both connections now carry the upgraded protocol. */
        void switchedProtocols(ChannelHandlerContext upstreamCtx);

        /** The upstream connection closed. */
        void upstreamClosed(Channel upstream);

        /**
         * The connection was lost before any answer to the current request: whether the request side sent the
         * request again on a new connection (then nothing more is reported about this one).
         */
        boolean resentElsewhere(Channel upstream);

        /** The upstream failed before any response started: the client still gets an answer. */
        void upstreamFailed(CheckedDestination destination, String code);

        /** The destination could not be connected to. */
        void upstreamUnreachable(CheckedDestination destination);

        /** The connection is open and what waited was sent: the request body may flow. */
        void upstreamReady();

        void upstreamWritabilityChanged();
    }

    private final Channel client;
    private final CheckedDestination destination;
    private final RequestSide requestSide;
    private final EgressRecorder recorder;
    private final Counter bytesDown;
    private final long started = System.nanoTime();
    private boolean responseStarted;
    private boolean switchingProtocols;
    private boolean interim;
    private boolean closeAfterResponse;

    ResponseRelay(Channel client, CheckedDestination destination, RequestSide requestSide, EgressRecorder recorder,
                  Counter bytesDown) {
        this.client = client;
        this.destination = destination;
        this.requestSide = requestSide;
        this.recorder = recorder;
        this.bytesDown = bytesDown;
    }

    @Override
    public void channelRead(ChannelHandlerContext upstreamCtx, Object msg) {
        if (!client.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpObject object && object.decoderResult().isFailure()
                || msg instanceof HttpResponse head && HttpFraming.check(head) != null) {
            // The proxy cannot tell where this response ends, so neither could the client: nothing of it is
            // relayed, and neither connection carries another exchange.
            ReferenceCountUtil.release(msg);
            refuseResponse(upstreamCtx);
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

    private void refuseResponse(ChannelHandlerContext upstreamCtx) {
        upstreamCtx.close();
        if (!responseStarted) {
            responseStarted = true;
            requestSide.upstreamFailed(destination, "upstream-bad-framing");
        } else {
            client.close();
        }
    }

    private void onResponseHead(HttpResponse response) {
        if (!responseStarted) {
            responseStarted = true;
            recorder.upstreamResponded(System.nanoTime() - started);
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
        // After the upstream's own answer about its connection is read: the request side may edit the head.
        requestSide.finalResponse(response);
    }

    private void onResponseEnd(ChannelHandlerContext upstreamCtx) {
        if (switchingProtocols) {
            requestSide.switchedProtocols(upstreamCtx);
            return;
        }
        if (interim) {
            // 100 Continue and friends: the final response is still to come.
            interim = false;
            client.flush();
            return;
        }
        requestSide.responseEnded(closeAfterResponse);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext upstreamCtx) {
        client.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext upstreamCtx) {
        requestSide.upstreamWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext upstreamCtx) {
        if (!responseStarted && requestSide.resentElsewhere(upstreamCtx.channel())) {
            return;
        }
        requestSide.upstreamClosed(upstreamCtx.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext upstreamCtx, Throwable cause) {
        upstreamCtx.close();
        if (!responseStarted && requestSide.resentElsewhere(upstreamCtx.channel())) {
            return;
        }
        if (!responseStarted && client.isActive()) {
            requestSide.upstreamFailed(destination, causedByTls(cause) ? "upstream-tls-failed" : "upstream-failed");
        } else {
            client.close();
        }
    }

    private static boolean causedByTls(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SSLException) {
                return true;
            }
        }
        return false;
    }
}
