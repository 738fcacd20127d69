package dev.agentsandbox.operator.config;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.http.TlsVersion;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLParameters;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What the operator's client offers in TLS: ChaCha20-Poly1305 first, the configured TLS versions only. */
class ApiServerHttpClientFactoryTest {

    @Test
    void chaCha20Poly1305ComesFirstAndAesGcmStaysOffered() {
        SSLParameters offered = offered(TlsVersion.TLS_1_3, TlsVersion.TLS_1_2);

        List<String> suites = List.of(offered.getCipherSuites());
        assertThat(suites.get(0)).isEqualTo("TLS_CHACHA20_POLY1305_SHA256");
        assertThat(suites).contains("TLS_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
        assertThat(suites.indexOf("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"))
                .isLessThan(suites.indexOf("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));
        assertThat(suites).doesNotHaveDuplicates();
    }

    @Test
    void theConfiguredTlsVersionsAreKept() {
        assertThat(offered(TlsVersion.TLS_1_2).getProtocols()).containsExactly("TLSv1.2");
        assertThat(offered(TlsVersion.TLS_1_3, TlsVersion.TLS_1_2).getProtocols())
                .containsExactly("TLSv1.3", "TLSv1.2");
    }

    /** The TLS parameters of a client the factory builds for a configuration with these versions. */
    private static SSLParameters offered(TlsVersion... versions) {
        SettingsCapturingFactory factory = new SettingsCapturingFactory();
        factory.newBuilder(new ConfigBuilder().withMasterUrl("https://127.0.0.1:6443").withTlsVersions(versions)
                .build()).build().close();
        return factory.settings().build().sslParameters();
    }
}
