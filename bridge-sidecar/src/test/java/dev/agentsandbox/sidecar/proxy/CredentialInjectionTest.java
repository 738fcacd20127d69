package dev.agentsandbox.sidecar.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.ssl.SslProvider;
import dev.agentsandbox.sidecar.contract.CredentialRule;
import dev.agentsandbox.sidecar.contract.ProxyConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Credential injection over intercepted TLS, with curl and the JDK client against real HTTPS upstreams that trust
 * only a test CA. The secret is a canary: it must reach the credential's host and nothing else.
 */
class CredentialInjectionTest {

    static final String CANARY = "test-canary-" + UUID.randomUUID();
    static final String GIT_CANARY = "test-canary-git-" + UUID.randomUUID();

    @TempDir
    static Path dir;
    static TestUpstream https;
    static TestUpstream untrusted;
    static TestUpstream http;
    static ProxyFixture proxy;
    static Path secretMount;
    static final List<String> everythingTheAgentSaw = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        CertificateAuthority testCa = CertificateAuthority.generate(SslProvider.JDK);
        Path testCaPem = dir.resolve("test-ca.pem");
        Files.writeString(testCaPem, CertificateAuthority.pem(testCa.certificate()));
        https = TestUpstream.https(testCa);
        untrusted = TestUpstream.https(CertificateAuthority.generate(SslProvider.JDK));
        http = TestUpstream.http();
        secretMount = dir.resolve("secrets/api");
        Path apiKey = KubernetesMount.create(secretMount, "api-key", CANARY + "\n");
        Path gitToken = KubernetesMount.create(dir.resolve("secrets/git"), "token", GIT_CANARY);
        int s = https.port();
        proxy = ProxyFixture.builder(dir)
                .config(new ProxyConfig(List.of("**.test.example:" + s, "**.test.example:" + http.port(),
                        "**.test.example:" + untrusted.port(), "api.test.example:" + s),
                        null, List.of("127.0.0.0/8"), List.of(
                        new CredentialRule("api", "api.test.example", "X-Api-Key", "%s", apiKey.toString()),
                        new CredentialRule("bearer", "bearer.test.example", "Authorization", "Bearer %s",
                                apiKey.toString()),
                        new CredentialRule("git", "git.test.example", "Authorization", "Basic %s",
                                gitToken.toString(), "x-access-token"),
                        new CredentialRule("untrusted", "untrusted.test.example", "X-Api-Key", "%s",
                                apiKey.toString()))))
                .resolver(TestNames.loopbackForTestExample())
                .trustBundle(testCaPem)
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        https.close();
        untrusted.close();
        http.close();
    }

    @BeforeEach
    void clear() {
        https.clear();
        http.clear();
    }

    private ProxyFixture.Curl curl(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--cacert", proxy.caCertificate().toString(), "-i"));
        all.addAll(List.of(args));
        ProxyFixture.Curl result = proxy.curl(all.toArray(String[]::new));
        everythingTheAgentSaw.add(result.out());
        everythingTheAgentSaw.add(result.err());
        return result;
    }

    /** With -i through a proxy, curl prints the CONNECT response first; this is the one after it. */
    private static String lastResponse(ProxyFixture.Curl result) {
        return result.lastResponse();
    }

    private String api(String path) {
        return "https://api.test.example:" + https.port() + path;
    }

    @Test
    void everyClientCopyOfTheHeaderIsReplacedWhateverItsCase() throws Exception {
        var result = curl("-H", "x-api-key: placeholder-1", "-H", "X-API-KEY: placeholder-2", "-H",
                "X-Api-Key: placeholder-3", "-H", "X-Other: kept", api("/v1/messages"));
        assertThat(lastResponse(result)).startsWith("HTTP/1.1 200").contains("ok /v1/messages");
        TestUpstream.Received received = https.received().get(0);
        assertThat(received.values("x-api-key")).containsExactly(CANARY);
        assertThat(received.values("x-other")).containsExactly("kept");
    }

    @Test
    void requestBodiesStreamThroughWithExpectContinue() throws Exception {
        Path body = dir.resolve("body.bin");
        Files.write(body, new byte[700 * 1024]);
        var result = curl("-H", "Expect: 100-continue", "--data-binary", "@" + body, api("/v1/upload"));
        assertThat(lastResponse(result)).startsWith("HTTP/1.1 200").contains("ok /v1/upload");
        assertThat(https.received()).singleElement().satisfies(r -> {
            assertThat(r.method()).isEqualTo("POST");
            assertThat(r.bodyLength()).isEqualTo(700 * 1024);
            assertThat(r.values("x-api-key")).containsExactly(CANARY);
        });
    }

    @Test
    void theJdkClientGetsTheCredentialInjectedToo() throws Exception {
        HttpResponse<String> response = proxy.client(proxy.caCertificate()).send(HttpRequest.newBuilder(
                URI.create(api("/v1/models"))).header("X-Api-Key", "proxy-managed").build(),
                HttpResponse.BodyHandlers.ofString());
        everythingTheAgentSaw.add(response.headers().toString() + response.body());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(https.received()).singleElement()
                .satisfies(r -> assertThat(r.values("X-Api-Key")).containsExactly(CANARY));
    }

    @Test
    void formatIsFilledLiterallyAndBasicAuthEncodesUserAndSecret() throws Exception {
        curl("-H", "Authorization: Bearer fake", "https://bearer.test.example:" + https.port() + "/a");
        curl("-u", "agent:fake", "https://git.test.example:" + https.port() + "/repo.git/info/refs");
        assertThat(https.received().get(0).values("authorization")).containsExactly("Bearer " + CANARY);
        String basic = Base64.getEncoder().encodeToString(("x-access-token:" + GIT_CANARY)
                .getBytes(StandardCharsets.UTF_8));
        assertThat(https.received().get(1).values("authorization")).containsExactly("Basic " + basic);
    }

    @Test
    void hostsWithoutTheRuleNeverGetTheKey() throws Exception {
        // Allowed hosts, partial matches of the credential host: tunnelled, not intercepted, never injected.
        for (String host : List.of("other.test.example", "sub.api.test.example", "api.test.example.test.example")) {
            var result = proxy.curl("-k", "-H", "X-Api-Key: placeholder", "https://" + host + ":" + https.port() + "/p");
            assertThat(result.out()).as(host).isEqualTo("ok /p\n");
        }
        assertThat(https.received()).hasSize(3).allSatisfy(r -> assertThat(r.values("x-api-key"))
                .containsExactly("placeholder"));
    }

    @Test
    void neverInjectedOverPlainHttp() throws Exception {
        var result = curl("-H", "X-Api-Key: placeholder", "http://api.test.example:" + http.port() + "/plain");
        assertThat(result.out()).contains("ok /plain");
        assertThat(http.received()).singleElement()
                .satisfies(r -> assertThat(r.values("x-api-key")).containsExactly("placeholder"));
    }

    @Test
    void notInjectedIntoARedirectTarget() throws Exception {
        String target = "https://other.test.example:" + https.port() + "/landing";
        // -k: the redirect target is tunnelled, so the agent sees the upstream's own certificate.
        var result = curl("-k", "-L", "-H", "X-Api-Key: placeholder", api("/redirect?to=" + target));
        assertThat(result.out()).contains("ok /landing");
        assertThat(https.received()).hasSize(2);
        assertThat(https.received().get(0).values("x-api-key")).containsExactly(CANARY);
        assertThat(https.received().get(1).uri()).isEqualTo("/landing");
        assertThat(https.received().get(1).values("x-api-key")).containsExactly("placeholder");
    }

    @Test
    void aRotatedSecretIsPickedUpWithoutRestart() throws Exception {
        String rotated = "test-canary-rotated-" + UUID.randomUUID();
        try {
            KubernetesMount.update(secretMount, "api-key", rotated);
            assertThat(awaitInjected(rotated)).isEqualTo(rotated);
        } finally {
            KubernetesMount.update(secretMount, "api-key", CANARY);
            awaitInjected(CANARY);
        }
    }

    /** Sends requests until the upstream receives {@code expected} (30 s hang guard); returns the last value seen. */
    private String awaitInjected(String expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String seen = null;
        while (System.nanoTime() < deadline) {
            https.clear();
            curl(api("/rotation"));
            seen = https.received().get(0).values("x-api-key").get(0);
            if (seen.equals(expected)) {
                break;
            }
            Thread.sleep(100);
        }
        return seen;
    }

    @Test
    void upstreamCertificatesAreVerified() throws Exception {
        var result = curl("https://untrusted.test.example:" + untrusted.port() + "/x");
        assertThat(lastResponse(result)).startsWith("HTTP/1.1 502")
                .containsIgnoringCase("x-agentsandbox-error: upstream-tls-failed");
        assertThat(untrusted.received()).isEmpty();
    }

    @Test
    void aRequestInsideTheTunnelMustNameTheTunnelsHost() throws Exception {
        var result = curl("-H", "Host: other.test.example", api("/fronting"));
        assertThat(lastResponse(result)).startsWith("HTTP/1.1 403")
                .containsIgnoringCase("x-agentsandbox-deny: host-mismatch");
        assertThat(https.received()).isEmpty();
    }

    @Test
    void webSocketUpgradesWorkThroughAnInterceptedConnection() throws Exception {
        CompletableFuture<String> reply = new CompletableFuture<>();
        WebSocket socket = proxy.client(proxy.caCertificate()).newWebSocketBuilder()
                .header("X-Api-Key", "placeholder")
                .buildAsync(URI.create("wss://api.test.example:" + https.port() + "/ws"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        reply.complete(data.toString());
                        return null;
                    }
                }).get(30, TimeUnit.SECONDS);
        socket.sendText("hello", true).get(30, TimeUnit.SECONDS);
        assertThat(reply.get(30, TimeUnit.SECONDS)).isEqualTo("echo:hello");
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
        assertThat(https.received()).singleElement().satisfies(r -> {
            assertThat(r.uri()).isEqualTo("/ws");
            assertThat(r.values("x-api-key")).containsExactly(CANARY);
        });
    }

    @Test
    void theLastRejectionOrSuccessOfAnInjectedCredentialIsInTheStatusPerHost() throws Exception {
        assertThat(lastResponse(curl(api("/answer/401")))).startsWith("HTTP/1.1 401");
        curl(api("/answer/404")); // says nothing about the key: the 401 stays the last answer

        assertThat(credentialAnswers()).singleElement().satisfies(answer -> {
            assertThat(answer.path("host").asText()).isEqualTo("api.test.example");
            assertThat(answer.path("credential").asText()).isEqualTo("api");
            assertThat(answer.path("status").asInt()).isEqualTo(401);
            assertThat(answer.path("at").asText()).isNotBlank();
        });
        assertThat(proxy.logs()).contains("credential-rejected");

        assertThat(lastResponse(curl(api("/answer/200")))).startsWith("HTTP/1.1 200");
        assertThat(credentialAnswers()).singleElement()
                .satisfies(answer -> assertThat(answer.path("status").asInt()).isEqualTo(200));
        assertThat(status().path("injected").path("api.test.example").asLong()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void aRejectionOfARequestWithoutTheCredentialIsNotTheCredentials() throws Exception {
        // Plain HTTP never carries a credential: a 401 there says nothing about one.
        curl("http://plain.test.example:" + http.port() + "/answer/401");
        assertThat(credentialAnswers()).noneSatisfy(answer ->
                assertThat(answer.path("host").asText()).isEqualTo("plain.test.example"));
    }

    private List<JsonNode> credentialAnswers() throws Exception {
        List<JsonNode> answers = new ArrayList<>();
        status().path("credentialAnswers").forEach(answers::add);
        return answers;
    }

    private JsonNode status() throws Exception {
        return new ObjectMapper().readTree(proxy.curl("--noproxy", "*", "http://127.0.0.1:" + proxy.adminPort()
                + "/status").out());
    }

    @Test
    void theCanaryAppearsInNoLogResponseMetricOrStatus() throws Exception {
        curl("-H", "X-Api-Key: placeholder", api("/before-check"));
        curl("https://denied.example/x");
        String metrics = proxy.curl("--noproxy", "*", "http://127.0.0.1:" + proxy.adminPort() + "/metrics").out();
        String status = proxy.curl("--noproxy", "*", "http://127.0.0.1:" + proxy.adminPort() + "/status").out();
        assertThat(metrics).contains("agentsandbox_proxy_requests_total");
        assertThat(status).contains("\"allowed\":");
        for (String text : List.of(proxy.logs(), metrics, status, String.join("\n", everythingTheAgentSaw))) {
            assertThat(text).doesNotContain(CANARY).doesNotContain(GIT_CANARY).doesNotContain("test-canary-");
        }
    }
}
