package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.contract.ProxyConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SSRF checklist against a running proxy. A real upstream listens on 127.0.0.1 and rules allow names that
 * resolve to it, so each refusal here is the guard's doing: without it these requests would reach the upstream.
 */
class SsrfTest {

    @TempDir
    static Path dir;
    static TestUpstream upstream;
    static ProxyFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.http();
        int p = upstream.port();
        proxy = ProxyFixture.builder(dir)
                .config(new ProxyConfig(List.of("loopback.test.example:" + p, "127.0.0.1:" + p,
                        "public.test.example", "allowed.test.example"), null, null, null))
                .resolver(TestNames.loopbackForTestExample())
                .start();
    }

    @AfterAll
    static void stop() {
        proxy.close();
        upstream.close();
    }

    private String get(String host) throws Exception {
        return proxy.raw("GET http://" + host + "/ HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
    }

    private String connect(String target) throws Exception {
        return proxy.raw("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n");
    }

    @Test
    void aNameThatResolvesToLoopbackIsRefusedEvenWhenAllowed() throws Exception {
        String response = get("loopback.test.example:" + upstream.port());
        assertThat(response).startsWith("HTTP/1.1 403").contains("X-AgentSandbox-Deny: private-address")
                .contains("127.0.0.0/8");
        assertThat(connect("loopback.test.example:" + upstream.port()))
                .startsWith("HTTP/1.1 403").contains("X-AgentSandbox-Deny: private-address");
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void aRuleNamingALoopbackLiteralDoesNotLiftTheGuard() throws Exception {
        assertThat(get("127.0.0.1:" + upstream.port())).startsWith("HTTP/1.1 403")
                .contains("X-AgentSandbox-Deny: private-address");
        assertThat(upstream.received()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
            "[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[64:ff9b::7f00:1]", "[fd00::1]", "2130706433",
            "0x7f.1", "0x7f000001", "0177.0.0.1", "127.1", "0177.1", "8.8.8.8"})
    void ipLiteralTargetsAreRefusedInEveryEncoding(String literal) throws Exception {
        assertThat(get(literal)).startsWith("HTTP/1.1 403").contains("X-AgentSandbox-Deny: ip-literal-not-allowed");
        assertThat(connect(literal + ":443")).startsWith("HTTP/1.1 403")
                .contains("X-AgentSandbox-Deny: ip-literal-not-allowed");
    }

    @Test
    void curlsOwnSpellingsOfLoopbackAreRefused() throws Exception {
        for (String url : List.of("http://2130706433/", "http://0x7f.1/", "http://0177.0.0.1/", "http://127.1/",
                "http://[::1]/", "http://[::ffff:127.0.0.1]/")) {
            var curl = proxy.curl("-o", "/dev/null", "-w", "%{http_code}", url);
            assertThat(curl.out()).as(url).isEqualTo("403");
        }
    }

    @Test
    void numericLookingNamesThatAreNoAddressAreRefusedAsInvalid() throws Exception {
        assertThat(get("1.2.3.4.5")).contains("X-AgentSandbox-Deny: invalid-host");
        assertThat(get("256.0.0.1")).contains("X-AgentSandbox-Deny: invalid-host");
    }

    @Test
    void userinfoInTheUrlIsRefused() throws Exception {
        String response = proxy.raw("GET http://allowed.test.example@evil.test.example/ HTTP/1.1\r\n"
                + "Host: evil.test.example\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 403").contains("X-AgentSandbox-Deny: userinfo-not-allowed");
    }

    @Test
    void absoluteUriAndHostHeaderMustAgree() throws Exception {
        String response = proxy.raw("GET http://loopback.test.example:" + upstream.port() + "/ HTTP/1.1\r\n"
                + "Host: evil.test.example\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 403").contains("X-AgentSandbox-Deny: host-mismatch");
    }

    @Test
    void connectToAPortNoRuleNamesIsRefused() throws Exception {
        assertThat(connect("public.test.example:8443")).startsWith("HTTP/1.1 403")
                .contains("X-AgentSandbox-Deny: port-not-allowed");
        assertThat(connect("public.test.example:22")).contains("X-AgentSandbox-Deny: port-not-allowed");
    }

    @Test
    void originFormRequestsAreNotProxied() throws Exception {
        assertThat(proxy.raw("GET / HTTP/1.1\r\nHost: allowed.test.example\r\n\r\n"))
                .startsWith("HTTP/1.1 403").contains("X-AgentSandbox-Deny: not-a-proxy-request");
        // https:// must go through CONNECT: forwarding it as plain HTTP would send cleartext to a TLS port.
        assertThat(proxy.raw("GET https://public.test.example:8443/ HTTP/1.1\r\nHost: public.test.example:8443\r\n\r\n"))
                .startsWith("HTTP/1.1 403").contains("X-AgentSandbox-Deny: not-a-proxy-request");
    }

    @Test
    void theProxyAndBridgePortsAreUnreachableEvenInsideAnAllowedRange(@TempDir Path own) throws Exception {
        int listen = ProxyFixture.freePort();
        int admin = ProxyFixture.freePort();
        try (ProxyFixture self = ProxyFixture.builder(own)
                .config(new ProxyConfig(List.of("self.test.example:" + listen, "self.test.example:" + admin,
                        "self.test.example:54321", "127.0.0.1:" + listen), null, List.of("127.0.0.0/8"), null))
                .resolver(TestNames.loopbackForTestExample())
                .ports(listen, admin)
                .start()) {
            for (String target : List.of("self.test.example:" + listen, "self.test.example:" + admin,
                    "self.test.example:54321", "127.0.0.1:" + listen)) {
                String response = self.raw("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n");
                assertThat(response).as(target).startsWith("HTTP/1.1 403")
                        .contains("X-AgentSandbox-Deny: proxy-own-port");
            }
            String plain = self.raw("GET http://self.test.example:" + admin + "/status HTTP/1.1\r\nHost: self.test.example:"
                    + admin + "\r\n\r\n");
            assertThat(plain).contains("X-AgentSandbox-Deny: proxy-own-port");
        }
    }
}
