package dev.agentsandbox.sidecar.bridge;

import dev.agentsandbox.sidecar.core.HttpReplies;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of request bodies the whole bridge holds at once. Bodies are read whole before they are judged, so
 * without this bound {@code maxConnections × maxBodyBytes} could be held (far more than a sidecar's memory limit):
 * each request reserves its {@code Content-Length} (a chunked one: the body cap) when its head arrives, and keeps
 * the reservation until the connection's next request or its close. A request that does not fit is answered
 * {@code 503} {@code bridge_busy} with {@code Retry-After} at once, before its body is read.
 */
final class BufferedBodies {

    private final long capacity;
    private final long maxBodyBytes;
    private final AtomicLong reserved = new AtomicLong();

    BufferedBodies(long capacity, long maxBodyBytes) {
        this.capacity = capacity;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Held now, for tests and metrics. */
    long reserved() {
        return reserved.get();
    }

    private boolean tryReserve(long bytes) {
        while (true) {
            long now = reserved.get();
            if (now + bytes > capacity) {
                return false;
            }
            if (reserved.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    /** The per-connection handler, placed after the HTTP decoder and before the body aggregator. */
    ChannelInboundHandlerAdapter handler(UsageMeter meter) {
        return new ChannelInboundHandlerAdapter() {
            private long held;
            private boolean refused;

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (refused) {
                    ReferenceCountUtil.release(msg);
                    return;
                }
                if (msg instanceof HttpRequest head && head.decoderResult().isSuccess()) {
                    // (A malformed head goes on to be answered 400; it carries no body the bridge will read.)
                    release();
                    // A request without Content-Length or chunked framing has no body (RFC 9112 §6.3).
                    long wanted = HttpUtil.isTransferEncodingChunked(head) ? maxBodyBytes
                            : Math.min(HttpUtil.getContentLength(head, 0L), maxBodyBytes);
                    if (wanted > 0 && !tryReserve(wanted)) {
                        refused = true;
                        ReferenceCountUtil.release(msg);
                        BridgeError error = BridgeError.busy(capacity);
                        meter.refused(error.code());
                        ctx.writeAndFlush(error.toRetryLaterResponse(InferenceRoute.Api.of(head)))
                                .addListener(ChannelFutureListener.CLOSE);
                        return;
                    }
                    held = Math.max(wanted, 0);
                }
                ctx.fireChannelRead(msg);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                release();
                ctx.fireChannelInactive();
            }

            private void release() {
                reserved.addAndGet(-held);
                held = 0;
            }
        };
    }
}
