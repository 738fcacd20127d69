package dev.agentsandbox.sidecar.proxy.policy;

import dev.agentsandbox.sidecar.contract.CredentialRule;

import java.net.InetAddress;

/**
 * The policy's judgement of a host name and port, before any address is checked.
 *
 * @param host       the normalised host (canonical text for an IP literal)
 * @param denial     why it is refused, or null when allowed
 * @param rule       the allow rule that matched (when allowed)
 * @param literal    the address when the host is an IP literal, else null (the name must be resolved)
 * @param credential the credential to inject for this exact host, or null; carried on to the
 *                   {@link dev.agentsandbox.sidecar.proxy.CheckedDestination} and the injection
 */
public record HostVerdict(String host, Denial denial, String rule, InetAddress literal, CredentialRule credential) {

    static HostVerdict allowed(String host, String rule, InetAddress literal, CredentialRule credential) {
        return new HostVerdict(host, null, rule, literal, credential);
    }

    static HostVerdict denied(String host, Denial denial) {
        return new HostVerdict(host, denial, null, null, null);
    }

    public boolean isAllowed() {
        return denial == null;
    }
}
