package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.contract.CredentialRule;
import dev.agentsandbox.sidecar.contract.ProxyConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Behaviour agents rely on: host switches on a keep-alive connection, and data sent along with a CONNECT. */
class ConnectionCorrectnessTest {

    static final String CANARY = "test-canary-" + UUID.randomUUID();

    @TempDir
    static Path dir;
    static TestUpstream first;
    static TestUpstream second;
    static TestUpstream https;
    static ProxyFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        Path testCaPem = dir.resolve("test-ca.pem");
        https = TestUpstream.https(RawHttp.testCa(testCaPem));
        first = TestUpstream.http();
        second = TestUpstream.http();
        Path apiKey = KubernetesMount.create(dir.resolve("secrets/api"), "api-key", CANARY);
        proxy = ProxyFixture.builder(dir)
                .config(new ProxyConfig(List.of("one.test.example:" + first.port(), "two.test.example:" + second.port(),
                        "api.test.example:" + https.port()), null, List.of("127.0.0.0/8"),
                        List.of(new CredentialRule("api", "api.test.example", "X-Api-Key", "%s", apiKey.toString()))))
                .resolver(TestNames.loopbackForTestExample())
                .trustBundle(testCaPem)
                .start();
    }

    @AfterAll
    static void stop() {
        proxy.close();
        first.close();
        second.close();
        https.close();
    }

    @Test
    void aKeepAliveConnectionThatSwitchesHostGetsAnAnswerForEveryRequest() throws Exception {
        String one = "one.test.example:" + first.port();
        String two = "two.test.example:" + second.port();
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(20_000);
            assertThat(exchange(socket, get(one, "/a"))).startsWith("HTTP/1.1 200").endsWith("ok /a\n");
            assertThat(exchange(socket, get(two, "/b"))).startsWith("HTTP/1.1 200").endsWith("ok /b\n");
            assertThat(exchange(socket, get(one, "/c"))).startsWith("HTTP/1.1 200").endsWith("ok /c\n");
            // A host the policy does not allow: the policy's answer, not a silent close.
            String denied = exchange(socket, get("three.test.example:" + first.port(), "/d"));
            assertThat(denied).startsWith("HTTP/1.1 403").contains("X-AgentSandbox-Deny: ");
        }
        assertThat(first.received()).extracting(TestUpstream.Received::uri).containsExactly("/a", "/c");
        assertThat(second.received()).extracting(TestUpstream.Received::uri).containsExactly("/b");
    }

    @Test
    void bytesSentInTheSameSegmentAsConnectGoThroughAPlainTunnel() throws Exception {
        String one = "one.test.example:" + first.port();
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(20_000);
            // The test upstream keeps its connection open: read up to the answer's body.
            String response = exchange(socket, "CONNECT " + one + " HTTP/1.1\r\nHost: " + one + "\r\n\r\n"
                    + "GET /early HTTP/1.1\r\nHost: " + one + "\r\n\r\n");
            assertThat(response).startsWith("HTTP/1.1 200 Connection established\r\n");
            RawHttp.readUntil(socket.getInputStream(), "ok /early\n");
        }
    }

    /** A client with TLS false start: its ClientHello leaves in the same write as the CONNECT. */
    @Test
    void aClientHelloInTheSameSegmentAsConnectGoesThroughAnInterceptedTunnel() throws Exception {
        String api = "api.test.example:" + https.port();
        try (Socket eager = new EagerConnectSocket("CONNECT " + api + " HTTP/1.1\r\nHost: " + api + "\r\n\r\n")) {
            eager.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 20_000);
            eager.setSoTimeout(20_000);
            eager.setTcpNoDelay(true);
            try (SSLSocket tls = (SSLSocket) FramingTest.trusting(proxy.caCertificate()).getSocketFactory()
                    .createSocket(eager, "api.test.example", 443, true)) {
                tls.getOutputStream().write(("GET /false-start HTTP/1.1\r\nHost: " + api
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                tls.getOutputStream().flush();
                String response = new String(tls.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertThat(response).startsWith("HTTP/1.1 200").contains("ok /false-start");
            }
        }
        assertThat(https.received()).anySatisfy(r -> {
            assertThat(r.uri()).isEqualTo("/false-start");
            assertThat(r.values("x-api-key")).containsExactly(CANARY);
        });
    }

    /** A client that gives up on a slow upstream frees both sockets at once, not at the idle timeout. */
    @Test
    void aRequestAbandonedByItsClientClosesTheUpstreamConnectionPromptly() throws Exception {
        try (java.net.ServerSocket slow = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             ProxyFixture slowProxy = ProxyFixture.builder(dir.resolve("slow-" + UUID.randomUUID()))
                     .config(new ProxyConfig(List.of("slow.test.example:" + slow.getLocalPort()), null,
                             List.of("127.0.0.0/8"), null))
                     .resolver(TestNames.loopbackForTestExample()).start()) {
            String host = "slow.test.example:" + slow.getLocalPort();
            Socket client = new Socket("127.0.0.1", slowProxy.port());
            client.getOutputStream().write(get(host, "/never-answered").getBytes(StandardCharsets.ISO_8859_1));
            try (Socket upstream = slow.accept()) {
                upstream.setSoTimeout(5_000);
                RawHttp.readUntil(upstream.getInputStream(), "\r\n\r\n");
                client.close();
                assertThat(upstream.getInputStream().read()).as("the proxy closed the upstream side").isEqualTo(-1);
            }
        }
    }

    private static String get(String host, String path) {
        return "GET http://" + host + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
    }

    /** Sends one request and reads one response (Content-Length bodies), or until the proxy closes. */
    private static String exchange(Socket socket, String request) throws IOException {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        int bodyLeft = -1;
        while (bodyLeft != 0) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            seen.write(b);
            if (bodyLeft > 0) {
                bodyLeft--;
            } else {
                String text = seen.toString(StandardCharsets.ISO_8859_1);
                if (text.endsWith("\r\n\r\n")) {
                    int at = text.toLowerCase().indexOf("content-length: ");
                    bodyLeft = at < 0 ? 0 : Integer.parseInt(text.substring(at + 16, text.indexOf('\r', at)).trim());
                }
            }
        }
        return seen.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * A socket that puts its CONNECT in front of the first bytes written on it (so both leave in one write), and
     * hides the proxy's answer to the CONNECT from whoever reads it (the TLS layer on top).
     */
    private static final class EagerConnectSocket extends Socket {
        private final byte[] connect;
        private boolean sent;
        private boolean answerSkipped;

        EagerConnectSocket(String connect) {
            this.connect = connect.getBytes(StandardCharsets.ISO_8859_1);
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            return new FilterOutputStream(super.getOutputStream()) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (!sent) {
                        sent = true;
                        byte[] both = new byte[connect.length + len];
                        System.arraycopy(connect, 0, both, 0, connect.length);
                        System.arraycopy(b, off, both, connect.length, len);
                        out.write(both);
                    } else {
                        out.write(b, off, len);
                    }
                }
            };
        }

        @Override
        public InputStream getInputStream() throws IOException {
            InputStream raw = super.getInputStream();
            return new InputStream() {
                private void skipAnswer() throws IOException {
                    if (answerSkipped) {
                        return;
                    }
                    answerSkipped = true;
                    assertThat(RawHttp.readUntil(raw, "\r\n\r\n")).startsWith("HTTP/1.1 200");
                }

                @Override
                public int read() throws IOException {
                    skipAnswer();
                    return raw.read();
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    skipAnswer();
                    return raw.read(b, off, len);
                }

                @Override
                public int available() throws IOException {
                    return answerSkipped ? raw.available() : 0;
                }
            };
        }
    }
}
