package dev.agentsandbox.sidecar.proxy;

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

    CheckedDestination(String host, int port, InetAddress address, String rule) {
        this.host = host;
        this.port = port;
        this.address = address;
        this.rule = rule;
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

    InetSocketAddress socketAddress() {
        return new InetSocketAddress(address, port);
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
