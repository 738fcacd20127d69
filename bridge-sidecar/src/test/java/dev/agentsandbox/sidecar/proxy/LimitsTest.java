package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.contract.ProxyConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Abuse bounds: each one costs the offending connection a clear error and leaves the proxy serving. */
class LimitsTest {

    private static ProxyFixture.Builder proxy(Path dir, TestUpstream upstream, ProxyLimits limits) {
        return ProxyFixture.builder(dir)
                .config(new ProxyConfig(List.of("ok.test.example:" + upstream.port()), null, List.of("127.0.0.0/8"),
                        null))
                .resolver(TestNames.loopbackForTestExample())
                .limits(limits);
    }

    private static ProxyLimits limits(int maxConnections, int maxTunnels, Duration headerTimeout) {
        return new ProxyLimits(maxConnections, maxTunnels, 32 * 1024, headerTimeout, Duration.ofMinutes(5),
                Duration.ofSeconds(5));
    }

    private static String okRequest(TestUpstream upstream) {
        String host = "ok.test.example:" + upstream.port();
        return "GET http://" + host + "/ HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
    }

    @Test
    void oversizedHeadersGet431(@TempDir Path dir) throws Exception {
        try (TestUpstream upstream = TestUpstream.http();
             ProxyFixture proxy = proxy(dir, upstream, ProxyLimits.DEFAULTS).start()) {
            String host = "ok.test.example:" + upstream.port();
            String response = proxy.raw("GET http://" + host + "/ HTTP/1.1\r\nHost: " + host + "\r\nX-Big: "
                    + "a".repeat(64 * 1024) + "\r\n\r\n");
            assertThat(response).startsWith("HTTP/1.1 431").contains("X-AgentSandbox-Error: header-too-large");
            assertThat(proxy.raw(okRequest(upstream))).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void aClientTooSlowToSendItsRequestHeadIsCutOff(@TempDir Path dir) throws Exception {
        ProxyLimits limits = limits(100, 100, Duration.ofSeconds(1));
        try (TestUpstream upstream = TestUpstream.http();
             ProxyFixture proxy = proxy(dir, upstream, limits).start();
             Socket slow = new Socket("127.0.0.1", proxy.port())) {
            slow.setSoTimeout(30_000);
            slow.getOutputStream().write("GET http://ok.test.example/ HTTP/1.1\r\nX-Partial: ".getBytes(StandardCharsets.US_ASCII));
            String response = new String(slow.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(response).startsWith("HTTP/1.1 408").contains("X-AgentSandbox-Error: header-timeout");
        }
    }

    /** A slow client cannot dodge the header timeout by sending one quick request first and then trickling. */
    @Test
    void theHeaderTimeoutCoversEveryRequestOfAKeepAliveConnection(@TempDir Path dir) throws Exception {
        ProxyLimits limits = limits(100, 100, Duration.ofSeconds(1));
        try (TestUpstream upstream = TestUpstream.http();
             ProxyFixture proxy = proxy(dir, upstream, limits).start();
             Socket slow = new Socket("127.0.0.1", proxy.port())) {
            slow.setSoTimeout(10_000);
            String host = "ok.test.example:" + upstream.port();
            OutputStream out = slow.getOutputStream();
            out.write(("GET http://" + host + "/quick HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = slow.getInputStream();
            RawHttp.readUntil(in, "ok /quick\n");
            Thread.sleep(1500);
            out.write(("GET http://" + host + "/slow HTTP/1.1\r\nX-Partial: ").getBytes(StandardCharsets.US_ASCII));
            String response = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(response).startsWith("HTTP/1.1 408").contains("X-AgentSandbox-Error: header-timeout");
        }
    }

    @Test
    void tunnelsBeyondTheCapAreRefusedWith503(@TempDir Path dir) throws Exception {
        ProxyLimits limits = limits(100, 2, Duration.ofSeconds(30));
        try (TestUpstream upstream = TestUpstream.http();
             ProxyFixture proxy = proxy(dir, upstream, limits).start()) {
            String target = "ok.test.example:" + upstream.port();
            List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    Socket socket = new Socket("127.0.0.1", proxy.port());
                    open.add(socket);
                    assertThat(connect(socket, target)).startsWith("HTTP/1.1 200");
                }
                String third = proxy.raw("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n");
                assertThat(third).startsWith("HTTP/1.1 503").contains("X-AgentSandbox-Error: too-many-tunnels")
                        .contains("retry-after: 1");
            } finally {
                for (Socket socket : open) {
                    socket.close();
                }
            }
            // Closing tunnels frees their slots (the proxy sees the close asynchronously: retry, with a hang guard).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            String again = "";
            while (System.nanoTime() < deadline && !again.startsWith("HTTP/1.1 200")) {
                try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
                    again = connect(socket, target);
                }
            }
            assertThat(again).startsWith("HTTP/1.1 200");
        }
    }

    /** Sends a CONNECT on the socket and returns the response head. */
    private static String connect(Socket socket, String target) throws Exception {
        socket.setSoTimeout(20_000);
        socket.getOutputStream().write(("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        return readHead(socket.getInputStream());
    }

    /** At the cap a client hears at once (before it sends a byte) that it may retry, rather than hanging. */
    @Test
    void aConnectionBeyondTheCapIsAnswered503WithRetryAfterAtOnce(@TempDir Path dir) throws Exception {
        ProxyLimits limits = limits(2, 2, Duration.ofSeconds(30));
        try (TestUpstream upstream = TestUpstream.http();
             ProxyFixture proxy = proxy(dir, upstream, limits).start();
             Socket first = new Socket("127.0.0.1", proxy.port());
             Socket second = new Socket("127.0.0.1", proxy.port())) {
            // Both slots taken for certain before the third connects: the proxy has answered on each (connections
            // opened at once may reach its event loops in any order, and then another one would be refused).
            String target = "ok.test.example:" + upstream.port();
            assertThat(connect(first, target)).startsWith("HTTP/1.1 200");
            assertThat(connect(second, target)).startsWith("HTTP/1.1 200");
            try (Socket third = new Socket("127.0.0.1", proxy.port())) {
                third.setSoTimeout(10_000);
                String answer = new String(third.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertThat(answer).startsWith("HTTP/1.1 503")
                        .contains("X-AgentSandbox-Error: too-many-connections")
                        .contains("\r\nRetry-After: 1\r\n").contains("\r\nConnection: close\r\n");
            }
        }
    }

    @Test
    void aThousandConnectionBurstLeavesTheProxyHealthy(@TempDir Path dir) throws Exception {
        ProxyLimits limits = limits(300, 300, Duration.ofSeconds(30));
        try (TestUpstream upstream = TestUpstream.http();
             ProxyFixture proxy = proxy(dir, upstream, limits).start()) {
            ExecutorService pool = Executors.newFixedThreadPool(64);
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                int kind = i % 4;
                results.add(pool.submit(() -> burstConnection(proxy, upstream, kind)));
            }
            int served = 0;
            int refused = 0;
            for (Future<String> result : results) {
                String response = result.get(120, TimeUnit.SECONDS);
                if (response.startsWith("HTTP/1.1 200") || response.startsWith("HTTP/1.1 403")) {
                    served++;
                } else if (response.startsWith("HTTP/1.1 503") || response.startsWith("HTTP/1.1 400")
                        || response.isEmpty()) {
                    refused++;
                }
            }
            pool.shutdownNow();
            assertThat(served + refused).isEqualTo(1000);
            assertThat(served).isGreaterThan(0);

            String health = proxy.curl("--noproxy", "*", "http://127.0.0.1:" + proxy.adminPort() + "/healthz").out();
            assertThat(health).isEqualTo("ok\n");
            assertThat(proxy.raw(okRequest(upstream))).startsWith("HTTP/1.1 200");
        }
    }

    /** One abusive or ordinary client: a valid request, a denied one, garbage, or a connection that just drops. */
    private static String burstConnection(ProxyFixture proxy, TestUpstream upstream, int kind) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            switch (kind) {
                case 0 -> out.write(okRequest(upstream).getBytes(StandardCharsets.US_ASCII));
                case 1 -> out.write("GET http://denied.test.example/ HTTP/1.1\r\nHost: denied.test.example\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                case 2 -> out.write("\u0000\u0001garbage\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                default -> {
                    return "";
                }
            }
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (java.net.SocketException e) {
            return "";
        }
    }

    private static String readHead(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        return head.toString();
    }
}
