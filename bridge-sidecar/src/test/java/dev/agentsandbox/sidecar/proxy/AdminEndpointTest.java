package dev.agentsandbox.sidecar.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.sidecar.contract.ProxyConfig;
import dev.agentsandbox.sidecar.contract.ProxyStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AdminEndpointTest {

    @Test
    void statusMetricsAndHealthReflectDecisions(@TempDir Path dir) throws Exception {
        try (TestUpstream upstream = TestUpstream.http();
             ProxyFixture proxy = ProxyFixture.builder(dir)
                     .config(new ProxyConfig(List.of("ok.test.example:" + upstream.port()), null,
                             List.of("127.0.0.0/8"), null))
                     .resolver(TestNames.loopbackForTestExample())
                     .start()) {
            proxy.curl("http://ok.test.example:" + upstream.port() + "/");
            proxy.curl("http://ok.test.example:" + upstream.port() + "/");
            proxy.curl("http://evil.test.example/");
            String admin = "http://127.0.0.1:" + proxy.adminPort();

            JsonNode status = new ObjectMapper().readTree(proxy.curl("--noproxy", "*", admin + "/status").out());
            assertThat(status.get("allowed").asLong()).isEqualTo(2);
            assertThat(status.get("denied").asLong()).isEqualTo(1);
            assertThat(status.get("lastDenied").get(0).get("host").asText()).isEqualTo("evil.test.example");
            Instant.parse(status.get("lastDenied").get(0).get("at").asText());
            Instant.parse(status.get("lastActivity").asText());

            String metrics = proxy.curl("--noproxy", "*", admin + "/metrics").out();
            assertThat(metrics)
                    .contains("agentsandbox_proxy_requests_total{decision=\"allow\",host=\"ok.test.example\"} 2.0")
                    .contains("agentsandbox_proxy_requests_total{decision=\"deny\",host=\"evil.test.example\"} 1.0")
                    .contains("agentsandbox_proxy_bytes_total").contains("agentsandbox_proxy_tunnels_active")
                    .contains("agentsandbox_proxy_upstream_latency_seconds_count");
            assertThat(proxy.curl("--noproxy", "*", admin + "/healthz").out()).isEqualTo("ok\n");

            assertThat(Files.readString(proxy.caCertificate())).startsWith("-----BEGIN CERTIFICATE-----")
                    .isEqualTo(proxy.server.caCertificatePem()).doesNotContain("PRIVATE KEY");
            try (var files = Files.list(proxy.caCertificate().getParent())) {
                assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("ca.crt");
            }
        }
    }

    @Test
    void denialsAreCountedPerHostForABoundedNumberOfHosts(@TempDir Path dir) throws Exception {
        try (ProxyFixture proxy = ProxyFixture.builder(dir)
                .config(new ProxyConfig(List.of("ok.test.example"), null, List.of("127.0.0.0/8"), null))
                .resolver(TestNames.loopbackForTestExample())
                .start()) {
            List<String> hammered = java.util.Collections.nCopies(5, "http://evil.test.example/");
            List<String> many = java.util.stream.IntStream.range(0, ProxyStatus.MAX_DENIED_HOSTS + 10)
                    .mapToObj(i -> "http://h" + i + ".test.example/").toList();
            proxy.curl(hammered.toArray(String[]::new));
            proxy.curl(many.toArray(String[]::new));

            JsonNode status = new ObjectMapper().readTree(proxy.curl("--noproxy", "*",
                    "http://127.0.0.1:" + proxy.adminPort() + "/status").out());
            JsonNode hosts = status.get("deniedHosts");
            assertThat(hosts.size()).isEqualTo(ProxyStatus.MAX_DENIED_HOSTS + 1);
            assertThat(hosts.get(0).get("host").asText()).isEqualTo("_other");
            assertThat(hosts.get(0).get("count").asLong()).isEqualTo(11);
            assertThat(hosts.get(1).get("host").asText()).isEqualTo("evil.test.example");
            assertThat(hosts.get(1).get("count").asLong()).isEqualTo(5);
            assertThat(hosts.get(1).get("reason").asText()).isEqualTo("host-not-allowed");
            Instant.parse(hosts.get(1).get("at").asText());
        }
    }
}
