package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.core.EventLoops;
import dev.agentsandbox.sidecar.core.HostAndPort;
import dev.agentsandbox.sidecar.core.HttpReplies;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP or HTTPS server on loopback for the proxy tests. It records every request's headers and answers:
 * {@code /redirect?to=URL} with a 302, {@code /stream} with a chunked body, {@code /ws} with a WebSocket echo,
 * {@code /close} with a 200 that closes the connection, {@code /then-drop} with a 200 after which the connection
 * reads one more request and closes without answering it (an idle connection closed as the client reuses it),
 * anything else with {@code 200 ok <path>}. It counts the
 * connections it accepted. The HTTPS variant presents certificates from a test CA, by SNI.
 */
final class TestUpstream implements AutoCloseable {

    /** What the upstream received. */
    record Received(String method, String uri, List<Map.Entry<String, String>> headers, int bodyLength) {
        List<String> values(String name) {
            return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
        }
    }

    private final EventLoops loops = new EventLoops(1);
    private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
    private final StringBuffer rawBytes = new StringBuffer();
    private final AtomicInteger connections = new AtomicInteger();
    private final Channel channel;

    private TestUpstream(CertificateAuthority tlsAuthority, String presentedName) throws InterruptedException {
        Mapping<String, SslContext> sni = tlsAuthority == null ? null
                : host -> tlsAuthority.serverContextFor(presentedName != null ? presentedName
                        : host == null ? "localhost" : host);
        channel = loops.listen(new HostAndPort("127.0.0.1", 0), new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                connections.incrementAndGet();
                if (sni != null) {
                    ch.pipeline().addLast(new SniHandler(sni));
                }
                ch.pipeline().addLast(new RawRecorder());
                ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new Recorder(),
                        new WebSocketServerProtocolHandler("/ws"), new Responder());
            }
        });
    }

    static TestUpstream http() throws InterruptedException {
        return new TestUpstream(null, null);
    }

    /** Presents a certificate from {@code testCa} for the name the client asks for (SNI). */
    static TestUpstream https(CertificateAuthority testCa) throws InterruptedException {
        return new TestUpstream(testCa, null);
    }

    /** Presents a certificate from {@code testCa} for {@code name}, whatever the client asks for. */
    static TestUpstream httpsPresenting(CertificateAuthority testCa, String name) throws InterruptedException {
        return new TestUpstream(testCa, name);
    }

    int port() {
        return ((java.net.InetSocketAddress) channel.localAddress()).getPort();
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    /** Every byte the upstream read (after TLS), all connections, as ISO-8859-1 text. */
    String rawBytes() {
        return rawBytes.toString();
    }

    /** Connections accepted since the start or the last {@link #clear}. */
    int connections() {
        return connections.get();
    }

    void clear() {
        received.clear();
        rawBytes.setLength(0);
        connections.set(0);
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        loops.close();
    }

    private final class RawRecorder extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof io.netty.buffer.ByteBuf bytes) {
                rawBytes.append(bytes.toString(StandardCharsets.ISO_8859_1));
            }
            ctx.fireChannelRead(msg);
        }
    }

    private final class Recorder extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest request) {
                received.add(new Received(request.method().name(), request.uri(),
                        List.copyOf(request.headers().entries()), request.content().readableBytes()));
            }
            ctx.fireChannelRead(msg);
        }
    }

    private static final class Responder extends SimpleChannelInboundHandler<Object> {
        private boolean dropNext;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (dropNext) {
                ctx.close();
                return;
            }
            if (msg instanceof TextWebSocketFrame frame) {
                ctx.writeAndFlush(new TextWebSocketFrame("echo:" + frame.text()));
                return;
            }
            if (!(msg instanceof FullHttpRequest request)) {
                return;
            }
            QueryStringDecoder query = new QueryStringDecoder(request.uri());
            if (query.path().equals("/stream")) {
                DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                HttpUtil.setTransferEncodingChunked(head, true);
                ctx.write(head);
                for (int i = 0; i < 3; i++) {
                    ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer("chunk" + i + "\n", StandardCharsets.UTF_8)));
                }
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                return;
            }
            FullHttpResponse response;
            if (query.path().startsWith("/answer/")) {
                // e.g. /answer/401: an upstream that refuses (or accepts) the credential it was sent.
                response = HttpReplies.text(HttpResponseStatus.valueOf(Integer.parseInt(
                        query.path().substring("/answer/".length()))), "answered\n");
            } else if (query.path().equals("/redirect")) {
                response = HttpReplies.text(HttpResponseStatus.FOUND, "moved\n");
                response.headers().set(HttpHeaderNames.LOCATION, query.parameters().get("to").get(0));
            } else if (query.path().equals("/then-drop")) {
                response = HttpReplies.text(HttpResponseStatus.OK, "ok /then-drop\n");
                dropNext = true;
            } else if (query.path().equals("/close")) {
                response = HttpReplies.text(HttpResponseStatus.OK, "closing\n");
                HttpUtil.setKeepAlive(response, false);
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                return;
            } else {
                response = HttpReplies.text(HttpResponseStatus.OK, "ok " + query.path() + "\n");
            }
            ctx.writeAndFlush(response);
        }
    }
}
