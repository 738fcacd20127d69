package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.contract.CredentialRule;
import dev.agentsandbox.sidecar.contract.ProxyConfig;
import dev.agentsandbox.sidecar.contract.SidecarConfigJson;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Intercepted tunnels share idle upstream connections ({@link UpstreamPool}): each curl below is a new agent
 * connection (a new CONNECT and TLS handshake with the proxy), and the test upstream counts the connections the
 * proxy opened to it. The proxy has an event loop per core and keeps a pool per loop, so a run of new agent
 * connections opens at most one upstream connection per loop (and one more if a client's close is seen late).
 */
class UpstreamPoolTest {

    private static final String CANARY = "test-canary-" + UUID.randomUUID();
    private static final int LOOPS = Runtime.getRuntime().availableProcessors();
    /** More agent connections than loops: without reuse, as many upstream connections. */
    private static final int AGENT_CONNECTIONS = 2 * LOOPS + 4;

    @TempDir
    Path dir;
    private TestUpstream upstream;
    private ProxyFixture proxy;

    @BeforeEach
    void start() throws Exception {
        CertificateAuthority testCa = CertificateAuthority.generate(SslProvider.JDK);
        Path testCaPem = dir.resolve("test-ca.pem");
        Files.writeString(testCaPem, CertificateAuthority.pem(testCa.certificate()));
        upstream = TestUpstream.https(testCa);
        Path key = KubernetesMount.create(dir.resolve("secret"), "key", CANARY);
        proxy = ProxyFixture.builder(dir)
                .config(new ProxyConfig(List.of("**.test.example:" + upstream.port()), null, List.of("127.0.0.0/8"),
                        List.of(new CredentialRule("api", "api.test.example", "X-Api-Key", "%s", key.toString()),
                                new CredentialRule("other", "other.test.example", "X-Api-Key", "%s",
                                        key.toString()))))
                .resolver(TestNames.loopbackForTestExample())
                .trustBundle(testCaPem)
                .start();
    }

    @AfterEach
    void stop() {
        proxy.close();
        upstream.close();
    }

    @Test
    void newAgentConnectionsReuseAnIdleUpstreamConnectionAndEachRequestStillGetsTheCredential() throws Exception {
        for (int i = 0; i < AGENT_CONNECTIONS; i++) {
            assertThat(curl("https://api.test.example:" + upstream.port() + "/n" + i).lastResponse())
                    .startsWith("HTTP/1.1 200").contains("ok /n" + i);
        }

        assertThat(upstream.connections()).isLessThanOrEqualTo(LOOPS + 1);
        assertThat(upstream.received()).hasSize(AGENT_CONNECTIONS)
                .allSatisfy(r -> assertThat(r.values("x-api-key")).containsExactly(CANARY));
        String metrics = proxy.curl("--noproxy", "*", "http://127.0.0.1:" + proxy.adminPort() + "/metrics").out();
        assertThat(metrics).contains("agentsandbox_proxy_upstream_reused_total "
                + (double) (AGENT_CONNECTIONS - upstream.connections()));
    }

    @Test
    void theClientsConnectionCloseEndsItsOwnConnectionOnlyAndTheClientIsToldSo() throws Exception {
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < AGENT_CONNECTIONS; i++) {
            answers.add(curl("-H", "Connection: close",
                    "https://api.test.example:" + upstream.port() + "/c" + i).lastResponse());
        }

        assertThat(answers).allSatisfy(answer ->
                assertThat(answer).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close"));
        assertThat(upstream.received()).allSatisfy(r -> assertThat(String.join(",", r.values("connection")))
                .doesNotContainIgnoringCase("close"));
        assertThat(upstream.connections()).isLessThanOrEqualTo(LOOPS + 1);
    }

    @Test
    void aConnectionTheUpstreamClosesIsNotReused() throws Exception {
        for (int i = 0; i < AGENT_CONNECTIONS; i++) {
            assertThat(curl("https://api.test.example:" + upstream.port() + "/close").lastResponse())
                    .startsWith("HTTP/1.1 200").contains("closing");
        }

        assertThat(upstream.connections()).isEqualTo(AGENT_CONNECTIONS);
    }

    @Test
    void aConnectionServesOnlyTheHostItsCertificateWasVerifiedFor() throws Exception {
        for (int i = 0; i <= LOOPS + 1; i++) {
            curl("https://api.test.example:" + upstream.port() + "/warm");
        }
        int warmed = upstream.connections();

        assertThat(curl("https://other.test.example:" + upstream.port() + "/other").lastResponse())
                .startsWith("HTTP/1.1 200");

        assertThat(upstream.connections()).isEqualTo(warmed + 1);
        assertThat(upstream.received()).last().satisfies(r -> {
            assertThat(r.uri()).isEqualTo("/other");
            assertThat(r.values("host")).containsExactly("other.test.example:" + upstream.port());
        });
    }

    /**
     * An upstream may close an idle connection just as the proxy takes it from the pool: an idempotent request
     * without a body, lost that way before any answer, goes again on a new connection.
     */
    @Test
    void aRequestLostOnAPooledConnectionBeforeAnyAnswerIsSentAgainOnANewOne() throws Exception {
        for (int i = 0; i < AGENT_CONNECTIONS; i++) {
            assertThat(curl("https://api.test.example:" + upstream.port() + "/then-drop").lastResponse())
                    .startsWith("HTTP/1.1 200").contains("ok /then-drop");
        }

        // Each agent connection but those that found their loop's pool empty took a connection the upstream then
        // dropped, and its request went again on a new one.
        int dropped = upstream.received().size() - AGENT_CONNECTIONS;
        assertThat(dropped).isGreaterThanOrEqualTo(AGENT_CONNECTIONS - LOOPS - 1);
        assertThat(upstream.connections()).isEqualTo(AGENT_CONNECTIONS);
        assertThat(upstream.received()).allSatisfy(r -> assertThat(r.values("x-api-key")).containsExactly(CANARY));
    }

    /**
     * RFC 9110, 9.2.2: a request that is not idempotent is never sent twice, even without a body; its client sees
     * the loss.
     */
    @Test
    void aPostLostOnAPooledConnectionIsNotSentAgain() throws Exception {
        for (int i = 0; i <= LOOPS + 1; i++) {
            curl("https://api.test.example:" + upstream.port() + "/then-drop");
        }
        upstream.clear();

        ProxyFixture.Curl post = curl("-X", "POST",
                "https://api.test.example:" + upstream.port() + "/post");

        assertThat(post.out()).doesNotContain("ok /post");
        assertThat(upstream.received()).singleElement().satisfies(r -> assertThat(r.method()).isEqualTo("POST"));
    }

    /** The pool holds only what the policy in force admitted: a reload empties it. */
    @Test
    void aPolicyReloadClosesTheIdleConnections() throws Exception {
        proxy.close();
        Path key = dir.resolve("secret/key");
        CredentialRule api = new CredentialRule("api", "api.test.example", "X-Api-Key", "%s", key.toString());
        proxy = ProxyFixture.builder(dir)
                .config(new ProxyConfig(List.of("api.test.example:" + upstream.port()), null,
                        List.of("127.0.0.0/8"), List.of(api)))
                .configFile()
                .resolver(TestNames.loopbackForTestExample())
                .trustBundle(dir.resolve("test-ca.pem"))
                .start();
        for (int i = 0; i <= LOOPS + 1; i++) {
            curl("https://api.test.example:" + upstream.port() + "/warm");
        }
        int warmed = upstream.connections();

        KubernetesMount.update(dir.resolve("config"), ProxyConfig.FILE_NAME, SidecarConfigJson.write(
                new ProxyConfig(List.of("api.test.example:" + upstream.port(), "more.test.example:443"), null,
                        List.of("127.0.0.0/8"), List.of(api))));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!proxy.logs().contains("\"event\":\"policy-reloaded\"") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(curl("https://api.test.example:" + upstream.port() + "/after").lastResponse())
                .startsWith("HTTP/1.1 200").contains("ok /after");

        assertThat(upstream.connections()).isEqualTo(warmed + 1);
    }

    @Test
    void onlyTheCloseOptionIsTakenOffTheConnectionHeader() {
        HttpHeaders headers = new DefaultHttpHeaders().add("Connection", "Upgrade, close").add("Upgrade", "websocket");
        UpstreamPool.keepUpstreamOpen(headers);
        assertThat(headers.getAll("Connection")).containsExactly("Upgrade");

        HttpHeaders onlyClose = new DefaultHttpHeaders().add("Connection", "Close");
        UpstreamPool.keepUpstreamOpen(onlyClose);
        assertThat(onlyClose.contains("Connection")).isFalse();

        HttpHeaders keepAlive = new DefaultHttpHeaders().add("Connection", "keep-alive");
        UpstreamPool.keepUpstreamOpen(keepAlive);
        assertThat(keepAlive.getAll("Connection")).containsExactly("keep-alive");
    }

    private ProxyFixture.Curl curl(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--cacert", proxy.caCertificate().toString(), "-i"));
        all.addAll(List.of(args));
        return proxy.curl(all.toArray(String[]::new));
    }
}
