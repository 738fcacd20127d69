package dev.agentsandbox.sidecar.proxy.policy;

import dev.agentsandbox.sidecar.contract.ForbiddenRanges;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

/**
 * The SSRF check: the one place that decides whether the proxy may open a connection to an address.
 *
 * <p>Always denied, whatever the host rules say ({@link ForbiddenRanges}, the list the NetworkPolicy's
 * {@code except} blocks come from too): loopback, RFC 1918, link-local (with the 169.254.169.254 cloud
 * metadata endpoint), CGNAT 100.64/10, "this network" 0/8, benchmarking, reserved and multicast ranges, IPv6
 * loopback/unspecified/link-local/site-local/ULA/multicast, and the IPv6 forms that carry an IPv4 address (mapped
 * {@code ::ffff:0:0/96}, compatible {@code ::/96}, NAT64 {@code 64:ff9b::/96}, 6to4 {@code 2002::/16}, Teredo
 * {@code 2001::/32}): those are judged by the IPv4 address they embed. {@code allowCidrs} exempts ranges the
 * operator permits explicitly (e.g. an internal Git server).
 *
 * <p>Independently, the sidecars' own ports on a local address are never reachable through the proxy, even
 * inside an allowed range, so the agent cannot use the proxy to reach the admin endpoints or loop it onto itself.
 */
public final class AddressGuard {

    private static final List<CidrRange> ALWAYS_DENIED = ForbiddenRanges.ALL.stream()
            .map(range -> CidrRange.parse(range.cidr())).toList();

    private static final CidrRange IPV4_MAPPED = CidrRange.parse("::ffff:0:0/96");
    private static final CidrRange IPV4_COMPATIBLE = CidrRange.parse("::/96");
    private static final CidrRange NAT64 = CidrRange.parse("64:ff9b::/96");
    private static final CidrRange SIX_TO_FOUR = CidrRange.parse("2002::/16");
    private static final CidrRange TEREDO = CidrRange.parse("2001::/32");

    private final List<CidrRange> allowCidrs;
    private final Set<Integer> ownPorts;
    private final Set<InetAddress> localAddresses;

    /**
     * @param allowCidrs     ranges exempt from the always-denied list
     * @param ownPorts       the sidecars' ports, refused on any local address
     * @param localAddresses this host's interface addresses (the pod IP is one), besides loopback and wildcard
     */
    public AddressGuard(List<CidrRange> allowCidrs, Set<Integer> ownPorts, Set<InetAddress> localAddresses) {
        this.allowCidrs = List.copyOf(allowCidrs);
        this.ownPorts = Set.copyOf(ownPorts);
        this.localAddresses = Set.copyOf(localAddresses);
    }

    /** The reason {@code address:port} may not be dialled, or null when it may. */
    public Denial check(InetAddress address, int port) {
        if (ownPorts.contains(port) && isLocal(address)) {
            return new Denial(DenyReason.OWN_PORT, "port " + port + " on a local address");
        }
        if (isExplicitlyAllowed(address)) {
            return null;
        }
        CidrRange range = deniedRangeOf(address.getAddress());
        return range == null ? null : new Denial(DenyReason.PRIVATE_ADDRESS, range.text());
    }

    /** Whether an {@code --allow-cidr} range covers the address. */
    public boolean isExplicitlyAllowed(InetAddress address) {
        for (CidrRange cidr : allowCidrs) {
            if (cidr.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private boolean isLocal(InetAddress address) {
        if (address.isLoopbackAddress() || address.isAnyLocalAddress() || localAddresses.contains(address)) {
            return true;
        }
        byte[] v4 = embeddedIpv4(address.getAddress());
        return v4 != null && (v4[0] == 127 || (v4[0] | v4[1] | v4[2] | v4[3]) == 0);
    }

    /** The always-denied range containing the address (or the IPv4 address it embeds), or null. */
    static CidrRange deniedRangeOf(byte[] address) {
        for (CidrRange range : ALWAYS_DENIED) {
            if (range.contains(address)) {
                return range;
            }
        }
        byte[] embedded = embeddedIpv4(address);
        return embedded == null ? null : deniedRangeOf(embedded);
    }

    /** The IPv4 address an IPv6 transition form carries, or null for a plain address. */
    static byte[] embeddedIpv4(byte[] a) {
        if (a.length != 16) {
            return null;
        }
        if (IPV4_MAPPED.contains(a) || IPV4_COMPATIBLE.contains(a) || NAT64.contains(a)) {
            return new byte[] {a[12], a[13], a[14], a[15]};
        }
        if (SIX_TO_FOUR.contains(a)) {
            return new byte[] {a[2], a[3], a[4], a[5]};
        }
        if (TEREDO.contains(a)) {
            // The client's public address is stored inverted in the last 32 bits.
            return new byte[] {(byte) ~a[12], (byte) ~a[13], (byte) ~a[14], (byte) ~a[15]};
        }
        return null;
    }
}
