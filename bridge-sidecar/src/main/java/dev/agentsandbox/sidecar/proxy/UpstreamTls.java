package dev.agentsandbox.sidecar.proxy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

/**
 * TLS towards the real upstream of an intercepted connection: the certificate chain is verified against the
 * system trust store (plus an optional extra bundle) and the host name is verified, exactly as the agent's own
 * client would have, so interception never lowers the bar.
 */
final class UpstreamTls {

    private final SslContext context;

    private UpstreamTls(SslContext context) {
        this.context = context;
    }

    /**
     * @param extraTrustBundle PEM certificates trusted besides the system store, or null
     * @param provider the TLS engine (the JDK's trust manager verifies the chain and the name with either)
     */
    static UpstreamTls create(Path extraTrustBundle, SslProvider provider) throws GeneralSecurityException, IOException {
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        system.init((KeyStore) null);
        int index = 0;
        for (var manager : system.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                for (X509Certificate certificate : x509.getAcceptedIssuers()) {
                    trusted.setCertificateEntry("system-" + index++, certificate);
                }
            }
        }
        if (extraTrustBundle != null) {
            try (InputStream in = Files.newInputStream(extraTrustBundle)) {
                for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    trusted.setCertificateEntry("bundle-" + index++, certificate);
                }
            }
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trusted);
        // The name check is the context's, not set on each engine: an engine's setSSLParameters sets its cipher
        // suites and protocols again, work paid on every intercepted connection.
        return new UpstreamTls(SslContextBuilder.forClient().sslProvider(provider).trustManager(factory)
                .endpointIdentificationAlgorithm("HTTPS").build());
    }

    /** A client TLS handler sending SNI for {@code host} and verifying the certificate names {@code host}. */
    SslHandler newHandler(ByteBufAllocator allocator, String host, int port) {
        return context.newHandler(allocator, host, port);
    }
}
