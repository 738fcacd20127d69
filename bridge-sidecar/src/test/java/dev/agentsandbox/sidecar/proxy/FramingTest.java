package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.contract.CredentialRule;
import dev.agentsandbox.sidecar.contract.ProxyConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Request smuggling (RFC 9112 §6), attacked over plain HTTP and inside an intercepted tunnel: a request whose end
 * the proxy and a lenient upstream could read differently is refused with 400/501 and the connection closed, and a
 * real upstream socket shows that no byte of it (nor of the request hidden in its body) arrived, even on a
 * keep-alive connection whose upstream connection is already open. Responses are held to the same rule.
 */
class FramingTest {

    static final String CANARY = "test-canary-" + UUID.randomUUID();

    @TempDir
    static Path dir;
    static TestUpstream http;
    static TestUpstream https;
    static ProxyFixture proxy;
    static SSLContext agentTls;

    @BeforeAll
    static void start() throws Exception {
        Path testCaPem = dir.resolve("test-ca.pem");
        http = TestUpstream.http();
        https = TestUpstream.https(RawHttp.testCa(testCaPem));
        Path apiKey = KubernetesMount.create(dir.resolve("secrets/api"), "api-key", CANARY);
        proxy = ProxyFixture.builder(dir)
                .config(new ProxyConfig(List.of("ok.test.example:" + http.port(), "api.test.example:" + https.port()),
                        null, List.of("127.0.0.0/8"),
                        List.of(new CredentialRule("api", "api.test.example", "X-Api-Key", "%s", apiKey.toString()))))
                .resolver(TestNames.loopbackForTestExample())
                .trustBundle(testCaPem)
                .start();
        agentTls = trusting(proxy.caCertificate());
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        http.close();
        https.close();
    }

    @BeforeEach
    void clear() {
        http.clear();
        https.clear();
    }

    /** A smuggled request: if any byte of it reached the upstream, the upstream's raw log shows this path. */
    private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: denied.test.example\r\n\r\n";

    /**
     * Heads (without the request line) whose framing is ambiguous, each followed by a body that hides
     * {@link #SMUGGLED}: every way the end of a message can be read two ways.
     */
    static Stream<String> ambiguousHeads() {
        int smuggledChunk = SMUGGLED.length();
        String chunkedBody = Integer.toHexString(smuggledChunk) + "\r\n" + SMUGGLED + "\r\n0\r\n\r\n";
        return Stream.of(
                // Both framing headers, in either order, and with a TE the proxy would not use.
                "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n" + chunkedBody,
                "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n" + chunkedBody,
                "Transfer-Encoding: identity\r\nContent-Length: " + SMUGGLED.length() + "\r\n\r\n" + SMUGGLED,
                // Transfer codings other than exactly one final chunked.
                "Transfer-Encoding: gzip, chunked\r\n\r\n" + chunkedBody,
                "Transfer-Encoding: chunked, gzip\r\n\r\n" + chunkedBody,
                "Transfer-Encoding: xchunked\r\n\r\n" + chunkedBody,
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" + chunkedBody,
                "Transfer-Encoding: chunked, chunked\r\n\r\n" + chunkedBody,
                "Transfer-Encoding: \"chunked\"\r\n\r\n" + chunkedBody,
                "Transfer-Encoding: chunked;q=1\r\n\r\n" + chunkedBody,
                // Content-Length values that are not one decimal number.
                "Content-Length: 0\r\nContent-Length: " + SMUGGLED.length() + "\r\n\r\n" + SMUGGLED,
                "Content-Length: 0, " + SMUGGLED.length() + "\r\n\r\n" + SMUGGLED,
                "Content-Length: +" + SMUGGLED.length() + "\r\n\r\n" + SMUGGLED,
                "Content-Length: -1\r\n\r\n" + SMUGGLED,
                "Content-Length: 0x" + Integer.toHexString(SMUGGLED.length()) + "\r\n\r\n" + SMUGGLED,
                "Content-Length: 99999999999999999999999\r\n\r\n" + SMUGGLED,
                // Line-level tricks around the framing headers: folding, whitespace before the colon, bare LF.
                "Content-Length: 0\r\n " + SMUGGLED.length() + "\r\n\r\n" + SMUGGLED,
                "Transfer-Encoding : chunked\r\n\r\n" + chunkedBody,
                "Content-Length: 0\nX-After-Bare-Lf: 1\r\n\r\n" + SMUGGLED);
    }

    @ParameterizedTest
    @MethodSource("ambiguousHeads")
    void ambiguousPlainRequestsAreRefusedBeforeAnyByteReachesTheUpstream(String head) throws Exception {
        String host = "ok.test.example:" + http.port();
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            String exchange = keepAliveThenBad(socket,
                    "GET http://" + host + "/first HTTP/1.1\r\nHost: " + host + "\r\n\r\n",
                    "POST http://" + host + "/bad HTTP/1.1\r\nHost: " + host + "\r\n" + head);
            assertRefused(exchange);
        }
        assertOnlyTheFirstRequestArrived(http);
    }

    @ParameterizedTest
    @MethodSource("ambiguousHeads")
    void ambiguousRequestsInsideAnInterceptedTunnelAreRefusedBeforeAnyByteReachesTheUpstream(String head)
            throws Exception {
        String host = "api.test.example:" + https.port();
        try (SSLSocket socket = intercepted(host)) {
            String exchange = keepAliveThenBad(socket,
                    "GET /first HTTP/1.1\r\nHost: " + host + "\r\n\r\n",
                    "POST /bad HTTP/1.1\r\nHost: " + host + "\r\n" + head);
            assertRefused(exchange);
        }
        assertOnlyTheFirstRequestArrived(https);
    }

    @Test
    void aBadChunkSizeClosesTheUpstreamBeforeTheRequestIsCompleteAndNothingAfterItArrives() throws Exception {
        String host = "ok.test.example:" + http.port();
        for (String badChunk : List.of("zz\r\n", "-1\r\n", "5\nhello\r\n", "5\r\nhelloXX",
                "fffffffffffffffffff\r\n")) {
            http.clear();
            try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
                String exchange = keepAliveThenBad(socket,
                        "GET http://" + host + "/first HTTP/1.1\r\nHost: " + host + "\r\n\r\n",
                        "POST http://" + host + "/bad HTTP/1.1\r\nHost: " + host
                                + "\r\nTransfer-Encoding: chunked\r\n\r\n" + badChunk + "0\r\n\r\n" + SMUGGLED);
                assertThat(exchange).as(badChunk).startsWith("HTTP/1.1 200");
            }
            // The head may have gone on (bodies stream), but the upstream never got a complete request from it.
            assertThat(http.received()).as(badChunk).extracting(TestUpstream.Received::uri).containsExactly("/first");
            assertThat(http.rawBytes()).as(badChunk).doesNotContain("/smuggled");
        }
    }

    @Test
    void forwardedFramingIsNormalisedToTheOneHeaderTheProxyRead() throws Exception {
        String host = "ok.test.example:" + http.port();
        String response = proxy.raw("POST http://" + host + "/te HTTP/1.1\r\nHost: " + host
                + "\r\nTransfer-Encoding: CHUNKED\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 200");
        response = proxy.raw("POST http://" + host + "/cl HTTP/1.1\r\nHost: " + host
                + "\r\nContent-Length: 005\r\nConnection: close\r\n\r\nhello");
        assertThat(response).startsWith("HTTP/1.1 200");
        String raw = http.rawBytes();
        assertThat(raw).containsIgnoringCase("Transfer-Encoding: chunked\r\n").doesNotContain("CHUNKED")
                .containsIgnoringCase("Content-Length: 5\r\n").doesNotContain("005");
        assertThat(http.received()).extracting(TestUpstream.Received::bodyLength).containsExactly(5, 5);
    }

    /** Responses an upstream frames ambiguously: the agent gets a 502 and none of the response. */
    @Test
    void ambiguousResponseFramingBecomes502AndNothingOfItReachesTheAgent() throws Exception {
        for (String head : List.of(
                "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nLEAKD\r\n0\r\n\r\n",
                "Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nLEAKD\r\n0\r\n\r\n",
                "Transfer-Encoding: xchunked\r\nContent-Length: 5\r\n\r\nLEAKD",
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nLEAKD\r\n0\r\n\r\n",
                "Content-Length: 5\r\nContent-Length: 6\r\n\r\nLEAKD!",
                "Content-Length: 5, 6\r\n\r\nLEAKD!")) {
            try (ServerSocket rogue = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                 ProxyFixture rogueProxy = ProxyFixture.builder(dir.resolve("rogue-" + UUID.randomUUID()))
                         .config(new ProxyConfig(List.of("rogue.test.example:" + rogue.getLocalPort()), null,
                                 List.of("127.0.0.0/8"), null))
                         .resolver(TestNames.loopbackForTestExample()).start()) {
                CompletableFuture<Void> answered = CompletableFuture.runAsync(() -> answerOnce(rogue,
                        "HTTP/1.1 200 OK\r\n" + head));
                String host = "rogue.test.example:" + rogue.getLocalPort();
                String response = rogueProxy.raw("GET http://" + host + "/ HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
                answered.get(20, TimeUnit.SECONDS);
                assertThat(response).as(head).startsWith("HTTP/1.1 502")
                        .contains("X-AgentSandbox-Error: upstream-bad-framing").doesNotContain("LEAKD");
            }
        }
    }

    private static void answerOnce(ServerSocket server, String response) {
        try (Socket socket = server.accept()) {
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            RawHttp.readUntil(in, "\r\n\r\n");
            socket.getOutputStream().write(response.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            in.read();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Sends a good request, waits for its whole answer (so the upstream connection is open and idle), then the bad
     * one; returns everything the proxy answered until it closed.
     */
    private static String keepAliveThenBad(Socket socket, String good, String bad) throws IOException {
        socket.setSoTimeout(20_000);
        OutputStream out = socket.getOutputStream();
        out.write(good.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        seen.writeBytes(RawHttp.readUntil(in, "ok /first\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(bad.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        try {
            seen.write(in.readAllBytes());
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the proxy neither answered nor closed; so far: " + seen, e);
        }
        return seen.toString(StandardCharsets.ISO_8859_1);
    }

    private static void assertRefused(String exchange) {
        String second = exchange.substring(exchange.indexOf("ok /first\n") + "ok /first\n".length());
        assertThat(second).matches("(?s)HTTP/1\\.1 (400|501) .*")
                .containsAnyOf("X-AgentSandbox-Error: bad-framing", "X-AgentSandbox-Error: malformed-request")
                .doesNotContain("ok /bad").doesNotContain("ok /smuggled");
    }

    private static void assertOnlyTheFirstRequestArrived(TestUpstream upstream) {
        assertThat(upstream.received()).extracting(TestUpstream.Received::uri).containsExactly("/first");
        assertThat(upstream.rawBytes()).contains("/first").doesNotContain("/bad").doesNotContain("/smuggled");
    }

    private SSLSocket intercepted(String hostAndPort) throws Exception {
        Socket plain = RawHttp.tunnel(proxy.port(), hostAndPort);
        String host = hostAndPort.substring(0, hostAndPort.indexOf(':'));
        SSLSocket tls = (SSLSocket) agentTls.getSocketFactory().createSocket(plain, host, 443, true);
        tls.startHandshake();
        return tls;
    }

    static SSLContext trusting(Path pem) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, factory.getTrustManagers(), null);
        return ssl;
    }
}
