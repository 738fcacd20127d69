package dev.agentsandbox.operator.config;

import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;

/**
 * The operator's HTTP client to the API server: Fabric8's client on the JDK's {@code java.net.http}, which speaks
 * HTTP/2 (offered by ALPN), so every request and watch of the operator shares one TLS connection. The client Quarkus
 * installs (Fabric8's Vert.x client, priority 1) speaks HTTP/1.1 only: each request in flight holds a connection of
 * its own, so a burst of reconciles opened dozens, each with a TLS handshake computed in Java, and dropped them again
 * once idle. Fabric8 takes the factory of the highest priority found by the {@link java.util.ServiceLoader}.
 */
public class ApiServerHttpClientFactory extends JdkHttpClientFactory {

    /** Above Quarkus's Vert.x factory (1). */
    static final int PRIORITY = 2;

    @Override
    public int priority() {
        return PRIORITY;
    }
}
