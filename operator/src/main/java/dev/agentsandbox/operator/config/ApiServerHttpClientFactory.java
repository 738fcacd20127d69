package dev.agentsandbox.operator.config;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.TlsVersion;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The operator's HTTP client to the API server: Fabric8's client on the JDK's {@code java.net.http}.
 * <ul>
 *   <li>It speaks HTTP/2 (offered by ALPN), so the operator's requests share one TLS connection. The client Quarkus
 *   installs by default (Fabric8's Vert.x client) speaks HTTP/1.1 only: each request in flight held a connection of
 *   its own, so a burst of reconciles opened dozens, each with a TLS handshake computed in Java, and dropped them
 *   again once idle.</li>
 *   <li>It prefers ChaCha20-Poly1305 to AES-GCM. The operator's JVM runs the C1 compiler only (for its memory), and
 *   the JDK's AES-GCM is fast only through the C2 compiler's intrinsics; without them it is several times slower than
 *   ChaCha20-Poly1305, which was designed for software. Decrypting watch events was the operator's largest single
 *   cost in a burst. The API server (Go) follows a client whose first choice is ChaCha20-Poly1305; AES-GCM stays
 *   offered for a server that does not.</li>
 * </ul>
 * The operator's client is built on it by {@link ApiServerClientProducer}.
 */
public class ApiServerHttpClientFactory extends JdkHttpClientFactory {

    static final String CHACHA20_POLY1305_TLS13 = "TLS_CHACHA20_POLY1305_SHA256";
    static final String CHACHA20_POLY1305_TLS12 = "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256";
    static final String CHACHA20_POLY1305_TLS12_RSA = "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256";

    /** The TLS versions of the client's configuration, which Fabric8 sets in the parameters this factory replaces. */
    private volatile String[] protocols;

    @Override
    public HttpClient.Builder newBuilder(Config config) {
        TlsVersion[] versions = config.getTlsVersions();
        protocols = versions == null || versions.length == 0 ? null
                : Arrays.stream(versions).map(TlsVersion::javaName).toArray(String[]::new);
        return super.newBuilder(config);
    }

    @Override
    protected void additionalConfig(java.net.http.HttpClient.Builder builder) {
        builder.sslParameters(new SSLParameters(cipherSuites(), protocols));
    }

    /** The JDK's default cipher suites, ChaCha20-Poly1305 first. */
    static String[] cipherSuites() {
        List<String> suites;
        try {
            suites = new ArrayList<>(List.of(SSLContext.getDefault().getDefaultSSLParameters().getCipherSuites()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no default TLS context", e);
        }
        List<String> first = List.of(CHACHA20_POLY1305_TLS13, CHACHA20_POLY1305_TLS12, CHACHA20_POLY1305_TLS12_RSA)
                .stream().filter(suites::remove).toList();
        suites.addAll(0, first);
        return suites.toArray(String[]::new);
    }
}
