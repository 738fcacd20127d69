package dev.agentsandbox.sidecar.bridge;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Which headers cross the bridge, whatever their case and length. */
class ForwardedHeadersTest {

    private static final String LONG_NAME = "x-" + "a".repeat(70);

    private static HttpHeaders headers() {
        return new DefaultHttpHeaders()
                .add("Content-Type", "application/json")
                .add("Authorization", "Bearer x")
                .add("User-Agent", "test")
                .add("TE", "trailers")
                .add("Transfer-ENCODING", "chunked")
                .add("Proxy-Authorization", "Basic x")
                .add("proxy-connection", "keep-alive")
                .add("KEEP-ALIVE", "timeout=5")
                .add("Upgrade", "h2c")
                .add("Trailer", "x")
                .add("Origin", "http://evil.example")
                .add("Host", "agent.local")
                .add("Expect", "100-continue")
                .add("Content-Length", "2")
                .add("Accept-Encoding", "gzip")
                .add(LONG_NAME, "kept unless named");
    }

    @Test
    void hopByHopAndTheBridgesOwnHeadersGoWhateverTheirCase() {
        HttpHeaders headers = headers().add("Connection", "Keep-Alive");

        ForwardedHeaders.strip(headers, ForwardedHeaders.SET_BY_BRIDGE_ON_REQUEST);

        assertThat(headers.names()).containsExactlyInAnyOrder("Content-Type", "Authorization", "User-Agent",
                LONG_NAME);
    }

    @Test
    void responseHeadersKeepWhatOnlyARequestLoses() {
        HttpHeaders headers = headers();

        ForwardedHeaders.strip(headers, Set.of());

        assertThat(headers.names()).containsExactlyInAnyOrder("Content-Type", "Authorization", "User-Agent",
                "Origin", "Host", "Expect", "Content-Length", "Accept-Encoding", LONG_NAME);
    }

    @Test
    void headersTheConnectionHeaderNamesGoOfAnyLength() {
        HttpHeaders headers = headers().add("X-Hop", "1")
                .add("Connection", "close, x-HOP, " + LONG_NAME.toUpperCase())
                .add("Close", "named by the close option");

        ForwardedHeaders.strip(headers, Set.of());

        assertThat(headers.names()).containsExactlyInAnyOrder("Content-Type", "Authorization", "User-Agent",
                "Origin", "Host", "Expect", "Content-Length", "Accept-Encoding");
    }
}
