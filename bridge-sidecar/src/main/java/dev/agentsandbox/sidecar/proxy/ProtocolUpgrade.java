package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.core.Relay;
import io.micrometer.core.instrument.Counter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpServerCodec;

/**
 * After a {@code 101 Switching Protocols} (WebSocket), both connections speak the upgraded protocol: the HTTP
 * handlers leave both pipelines and a byte {@link Relay} joins them. The request was judged (and its credential
 * injected) before the upgrade; nothing after it is parsed.
 */
final class ProtocolUpgrade {

    private ProtocolUpgrade() {
    }

    /**
     * @param forwarder the client connection's request handler, removed with its codec
     * @param relay     the upstream connection's response handler, removed with its codec
     */
    static void handOver(Channel client, ChannelHandler forwarder, Channel upstream, ChannelHandler relay,
                         Counter bytesUp, Counter bytesDown) {
        client.flush();
        Relay.join(client, upstream, bytesUp::increment, bytesDown::increment);
        ChannelPipeline clientPipeline = client.pipeline();
        clientPipeline.remove(forwarder);
        if (clientPipeline.get(ProxyFrontend.NAME) != null) {
            clientPipeline.remove(ProxyFrontend.NAME);
        }
        clientPipeline.remove(HttpServerCodec.class);
        ChannelPipeline upstreamPipeline = upstream.pipeline();
        upstreamPipeline.remove(relay);
        upstreamPipeline.remove(HttpClientCodec.class);
    }
}
