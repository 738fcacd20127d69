package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.operator.testing.ChildProcess;
import dev.agentsandbox.sidecar.Main;
import dev.agentsandbox.sidecar.contract.CredentialRule;
import dev.agentsandbox.sidecar.contract.ProxyConfig;
import dev.agentsandbox.sidecar.contract.SidecarConfigJson;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCounted;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which TLS engine intercepts, and that interception behaves the same with either: BoringSSL where its native
 * library loads (the platforms the jar ships it for, this one included), the JDK's where it does not.
 */
class TlsEngineTest {

    private static final String CANARY = "test-canary-" + UUID.randomUUID();
    private static final Duration PROCESS_GUARD = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void boringSslIsChosenWhereTheNativeLibraryLoads() {
        TlsEngine engine = TlsEngine.detect();

        assertThat(engine.provider()).as("fallback reason: %s", engine.fallbackReason()).isEqualTo(SslProvider.OPENSSL_REFCNT);
        assertThat(engine.label()).isEqualTo("boringssl");
        assertThat(engine.fallbackReason()).isNull();
    }

    /**
     * BoringSSL's engines are reference-counted: nothing but the {@code SslHandler} frees one, when it leaves the
     * pipeline of a closing channel. Both sides of interception (the minted server context, the upstream client
     * context) must hand their engines to a handler that does.
     */
    @Test
    void theNativeEngineOfAClosedConnectionIsFreed() throws Exception {
        TlsEngine engine = TlsEngine.detect();
        CertificateAuthority ca = CertificateAuthority.generate(engine.provider());
        UpstreamTls upstream = UpstreamTls.create(null, engine.provider());
        List<SslHandler> handlers = List.of(
                ca.serverContextFor("api.test.example").newHandler(ByteBufAllocator.DEFAULT),
                upstream.newHandler(ByteBufAllocator.DEFAULT, "api.test.example", 443));
        for (SslHandler handler : handlers) {
            assertThat(handler.engine()).isInstanceOf(ReferenceCounted.class);
            EmbeddedChannel channel = new EmbeddedChannel(handler);
            assertThat(((ReferenceCounted) handler.engine()).refCnt()).isEqualTo(1);
            channel.close().syncUninterruptibly();
            channel.finishAndReleaseAll();
            assertThat(((ReferenceCounted) handler.engine()).refCnt()).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "jdk"})
    void interceptionInjectsTheCredentialAndVerifiesTheUpstreamsNameWithEitherEngine(String label) throws Exception {
        TlsEngine engine = label.equals("jdk") ? TlsEngine.jdk("forced by the test") : TlsEngine.detect();
        assertThat(engine.label()).isEqualTo(label);
        CertificateAuthority testCa = CertificateAuthority.generate(SslProvider.JDK);
        Path testCaPem = dir.resolve("test-ca.pem");
        Files.writeString(testCaPem, CertificateAuthority.pem(testCa.certificate()));
        Path key = KubernetesMount.create(dir.resolve("secret"), "key", CANARY);
        try (TestUpstream upstream = TestUpstream.https(testCa);
             TestUpstream impostor = TestUpstream.httpsPresenting(testCa, "someone-else.test.example");
             ProxyFixture proxy = ProxyFixture.builder(dir)
                     .config(new ProxyConfig(List.of("**.test.example:" + upstream.port(),
                             "**.test.example:" + impostor.port()), null, List.of("127.0.0.0/8"), List.of(
                             new CredentialRule("api", "api.test.example", "X-Api-Key", "%s", key.toString()))))
                     .resolver(TestNames.loopbackForTestExample())
                     .trustBundle(testCaPem)
                     .tls(engine)
                     .start()) {
            var ok = proxy.curl("--cacert", proxy.caCertificate().toString(), "-i",
                    "https://api.test.example:" + upstream.port() + "/x");
            assertThat(ok.out()).contains("HTTP/1.1 200");
            assertThat(upstream.received()).singleElement()
                    .satisfies(r -> assertThat(r.values("x-api-key")).containsExactly(CANARY));

            // A certificate from a trusted CA that names another host: refused, as the agent's own client would.
            var wrongName = proxy.curl("--cacert", proxy.caCertificate().toString(), "-i",
                    "https://api.test.example:" + impostor.port() + "/x");
            assertThat(wrongName.out()).contains("HTTP/1.1 502").containsIgnoringCase("upstream-tls-failed");
            assertThat(impostor.received()).isEmpty();

            assertThat(proxy.logs()).contains("\"event\":\"tls-engine\"").contains("\"engine\":\"" + label + "\"");
        }
    }

    @Test
    void theProxyFallsBackToTheJdkAndSaysWhyWhenTheNativeLibraryCannotBeExtracted() throws Exception {
        CertificateAuthority testCa = CertificateAuthority.generate(SslProvider.JDK);
        Path testCaPem = dir.resolve("test-ca.pem");
        Files.writeString(testCaPem, CertificateAuthority.pem(testCa.certificate()));
        Path key = KubernetesMount.create(dir.resolve("secret"), "key", CANARY);
        try (TestUpstream upstream = TestUpstream.https(testCa)) {
            int listen = ProxyFixture.freePort();
            Path config = dir.resolve("proxy.json");
            Files.writeString(config, SidecarConfigJson.write(new ProxyConfig(List.of("localhost:" + upstream.port()),
                    null, List.of("127.0.0.0/8"),
                    List.of(new CredentialRule("api", "localhost", "X-Api-Key", "%s", key.toString())))));
            // Netty extracts the library into this directory before loading it: a path below a regular file
            // cannot be created, as a read-only or noexec /tmp would refuse it.
            try (ChildProcess process = ChildProcess.startJava("proxy",
                    List.of("-Dio.netty.native.workdir=/dev/null/netty"), Main.class, List.of("proxy",
                    "--config", config.toString(), "--listen", "127.0.0.1:" + listen,
                    "--admin", "127.0.0.1:" + ProxyFixture.freePort(), "--ca-dir", dir.resolve("ca").toString(),
                    "--trust-bundle", testCaPem.toString()), dir)) {
                try {
                    assertThat(process.awaitLine("\"event\":\"tls-engine\"", PROCESS_GUARD))
                            .contains("\"engine\":\"jdk\"").contains("\"fallbackReason\":");
                    process.awaitLine("\"event\":\"started\"", PROCESS_GUARD);
                    Process curl = new ProcessBuilder("curl", "-sS", "--max-time", "30", "--cacert",
                            dir.resolve("ca/ca.crt").toString(), "-x", "http://127.0.0.1:" + listen,
                            "https://localhost:" + upstream.port() + "/fallback").start();
                    curl.getInputStream().readAllBytes();
                    assertThat(curl.waitFor()).isZero();
                    assertThat(upstream.received()).singleElement()
                            .satisfies(r -> assertThat(r.values("x-api-key")).containsExactly(CANARY));
                } finally {
                    assertThat(process.terminate(PROCESS_GUARD)).isTrue();
                }
            }
        }
    }
}
