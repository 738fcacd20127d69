package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.contract.CredentialRule;
import dev.agentsandbox.sidecar.proxy.policy.AddressGuard;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * An address that passed the {@link AddressGuard} for a host the policy allows. Only {@link EgressGate} creates
 * one, and {@link UpstreamDialer} dials nothing else: the address dialled is exactly the address checked (no
 * second resolution a DNS rebinding answer could change).
 */
public final class CheckedDestination {

    private final String host;
    private final int port;
    private final InetAddress address;
    private final String rule;
    private final CredentialRule credential;

    CheckedDestination(String host, int port, InetAddress address, String rule, CredentialRule credential) {
        this.host = host;
        this.port = port;
        this.address = address;
        this.rule = rule;
        this.credential = credential;
    }

    /** The normalised host name the client asked for (SNI and certificate checks use it). */
    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** The allow rule that admitted it. */
    public String rule() {
        return rule;
    }

    /**
     * The credential the policy decided to inject for this host, or null. A host with one is intercepted (TLS
     * terminated so the header can be set); any other is a plain tunnel.
     */
    public CredentialRule credential() {
        return credential;
    }

    /** The address that was checked, and the only one dialled. */
    InetAddress address() {
        return address;
    }

    InetSocketAddress socketAddress() {
        return new InetSocketAddress(address, port);
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
