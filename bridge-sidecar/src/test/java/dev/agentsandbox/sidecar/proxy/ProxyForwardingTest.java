package dev.agentsandbox.sidecar.proxy;

import io.netty.handler.ssl.SslProvider;
import dev.agentsandbox.sidecar.contract.ProxyConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Plain HTTP forwarding and CONNECT tunnels with real clients (curl, JDK HttpClient) and real upstreams. */
class ProxyForwardingTest {

    @TempDir
    static Path dir;
    static TestUpstream http;
    static TestUpstream https;
    static ProxyFixture proxy;
    static Path testCaPem;

    @BeforeAll
    static void start() throws Exception {
        CertificateAuthority testCa = CertificateAuthority.generate(SslProvider.JDK);
        testCaPem = dir.resolve("test-ca.pem");
        Files.writeString(testCaPem, CertificateAuthority.pem(testCa.certificate()));
        http = TestUpstream.http();
        https = TestUpstream.https(testCa);
        int p = http.port();
        int s = https.port();
        proxy = ProxyFixture.builder(dir)
                .config(new ProxyConfig(List.of("exact.test.example:" + p, "*.one.test.example:" + p,
                        "**.deep.test.example:" + p, "noport.test.example", "tunnel.test.example:" + s),
                        List.of("blocked.deep.test.example"), List.of("127.0.0.0/8"), null))
                .resolver(TestNames.loopbackForTestExample())
                .trustBundle(testCaPem)
                .start();
    }

    @AfterAll
    static void stop() {
        proxy.close();
        http.close();
        https.close();
    }

    private String status(String host) throws Exception {
        return status(host, http.port());
    }

    private String status(String host, int port) throws Exception {
        return proxy.curl("-o", "/dev/null", "-w", "%{http_code} %header{x-agentsandbox-deny}",
                "http://" + host + ":" + port + "/x").out().trim();
    }

    @Test
    void exactRuleAllowsOnlyThatHost() throws Exception {
        assertThat(status("exact.test.example")).isEqualTo("200");
        assertThat(status("sub.exact.test.example")).isEqualTo("403 host-not-allowed");
        assertThat(status("exact.test.example.evil")).isEqualTo("403 host-not-allowed");
    }

    @Test
    void singleStarMatchesExactlyOneLabel() throws Exception {
        assertThat(status("a.one.test.example")).isEqualTo("200");
        assertThat(status("a.b.one.test.example")).isEqualTo("403 host-not-allowed");
        assertThat(status("one.test.example")).isEqualTo("403 host-not-allowed");
    }

    @Test
    void doubleStarMatchesAnyDepth() throws Exception {
        assertThat(status("a.deep.test.example")).isEqualTo("200");
        assertThat(status("a.b.c.deep.test.example")).isEqualTo("200");
        assertThat(status("deep.test.example")).isEqualTo("403 host-not-allowed");
    }

    @Test
    void denyBeatsAllow() throws Exception {
        assertThat(status("blocked.deep.test.example")).isEqualTo("403 host-denied");
        assertThat(status("x.blocked.deep.test.example")).isEqualTo("200");
    }

    @Test
    void portsOtherThan80And443NeedARuleThatNamesThem() throws Exception {
        assertThat(status("noport.test.example")).isEqualTo("403 port-not-allowed");
        assertThat(status("exact.test.example", https.port())).isEqualTo("403 port-not-allowed");
    }

    @Test
    void denialIsA403WithReasonHeaderAndOneLineBody() throws Exception {
        var curl = proxy.curl("-i", "http://nothere.test.example:" + http.port() + "/secret-path");
        assertThat(curl.out()).startsWith("HTTP/1.1 403").containsIgnoringCase("x-agentsandbox-deny: host-not-allowed");
        String body = curl.out().substring(curl.out().indexOf("\r\n\r\n") + 4);
        assertThat(body.lines()).hasSize(1);
        assertThat(body).contains("nothere.test.example:" + http.port()).contains("host-not-allowed");
    }

    @Test
    void forwardsAbsoluteFormRequestsAsOriginFormWithKeepAlive() throws Exception {
        http.clear();
        String host = "exact.test.example:" + http.port();
        String response = proxy.raw("GET http://" + host + "/first HTTP/1.1\r\nHost: " + host + "\r\n\r\n"
                + "GET http://" + host + "/second?q=1 HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
        assertThat(response).contains("ok /first").contains("ok /second");
        assertThat(http.received()).extracting(TestUpstream.Received::uri).containsExactly("/first", "/second?q=1");
    }

    @Test
    void streamsChunkedResponses() throws Exception {
        var curl = proxy.curl("http://exact.test.example:" + http.port() + "/stream");
        assertThat(curl.out()).isEqualTo("chunk0\nchunk1\nchunk2\n");
    }

    @Test
    void connectToAHostWithoutCredentialIsTunnelledUntouched() throws Exception {
        https.clear();
        // The client trusts only the upstream's test CA: the request succeeds only if the proxy did not intercept.
        HttpResponse<String> response = proxy.client(testCaPem).send(HttpRequest.newBuilder(
                        URI.create("https://tunnel.test.example:" + https.port() + "/hello"))
                .header("X-Api-Key", "agent-own-value").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ok /hello\n");
        assertThat(https.received()).singleElement()
                .satisfies(r -> assertThat(r.values("x-api-key")).containsExactly("agent-own-value"));
    }

    @Test
    void connectToADeniedHostIsRefusedBeforeAnyTunnel() throws Exception {
        String response = proxy.raw("CONNECT evil.test.example:443 HTTP/1.1\r\nHost: evil.test.example:443\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 403").contains("X-AgentSandbox-Deny: host-not-allowed");
    }

    @Test
    void everyDecisionIsOneJsonLogLine() throws Exception {
        status("logged.test.example");
        assertThat(proxy.logs().lines().filter(l -> l.contains("\"host\":\"logged.test.example\"")))
                .singleElement().satisfies(line -> assertThat(line).startsWith("{").endsWith("}")
                        .contains("\"decision\":\"deny\"", "\"reason\":\"host-not-allowed\"", "\"event\":\"egress\""));
    }
}
