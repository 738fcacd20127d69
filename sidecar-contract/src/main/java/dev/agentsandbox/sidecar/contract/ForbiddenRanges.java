package dev.agentsandbox.sidecar.contract;

import java.util.List;

/**
 * The address ranges a sandbox may never reach, whatever its allow rules say: the one list behind both layers of
 * egress enforcement. The egress proxy refuses every range here (its SSRF guard, exempting only {@code allowCidrs});
 * the NetworkPolicy, which can only list ranges, excepts from "public addresses on 80/443" the ranges where a
 * cluster, a node or a cloud has something to reach.
 */
public final class ForbiddenRanges {

    /**
     * Order matters only for the NetworkPolicy, which renders its ranges in this order; the ranges are disjoint.
     */
    public static final List<ForbiddenRange> ALL = List.of(
            // Where clusters, nodes and clouds put addresses: the NetworkPolicy excepts these too.
            ForbiddenRange.everywhere("10.0.0.0/8"),          // private (RFC 1918)
            ForbiddenRange.everywhere("172.16.0.0/12"),       // private (RFC 1918)
            ForbiddenRange.everywhere("192.168.0.0/16"),      // private (RFC 1918)
            ForbiddenRange.everywhere("169.254.0.0/16"),      // link-local, with the cloud metadata endpoint
            ForbiddenRange.everywhere("100.64.0.0/10"),       // shared address space (CGNAT)
            ForbiddenRange.everywhere("127.0.0.0/8"),         // loopback
            ForbiddenRange.everywhere("fc00::/7"),            // unique local
            ForbiddenRange.everywhere("fe80::/10"),           // link-local
            ForbiddenRange.everywhere("::1/128"),             // loopback
            // Not routed to anything a pod could reach: the proxy refuses them, a NetworkPolicy need not list them.
            ForbiddenRange.proxyOnly("0.0.0.0/8"),            // "this network"
            ForbiddenRange.proxyOnly("192.0.0.0/24"),         // IETF protocol assignments
            ForbiddenRange.proxyOnly("192.0.2.0/24"),         // documentation
            ForbiddenRange.proxyOnly("198.18.0.0/15"),        // benchmarking
            ForbiddenRange.proxyOnly("198.51.100.0/24"),      // documentation
            ForbiddenRange.proxyOnly("203.0.113.0/24"),       // documentation
            ForbiddenRange.proxyOnly("224.0.0.0/4"),          // multicast
            ForbiddenRange.proxyOnly("240.0.0.0/4"),          // reserved, with broadcast
            ForbiddenRange.proxyOnly("::/128"),               // unspecified
            ForbiddenRange.proxyOnly("64:ff9b:1::/48"),       // local-use NAT64
            ForbiddenRange.proxyOnly("100::/64"),             // discard-only
            ForbiddenRange.proxyOnly("2001:db8::/32"),        // documentation
            ForbiddenRange.proxyOnly("fec0::/10"),            // site-local (deprecated)
            ForbiddenRange.proxyOnly("ff00::/8"));            // multicast

    private ForbiddenRanges() {
    }

    /** The CIDRs the NetworkPolicy excepts from {@code 0.0.0.0/0} (IPv4) or {@code ::/0} (IPv6). */
    public static List<String> networkPolicyExcept(boolean ipv6) {
        return ALL.stream().filter(ForbiddenRange::inNetworkPolicy).map(ForbiddenRange::cidr)
                .filter(cidr -> cidr.contains(":") == ipv6).toList();
    }

    /**
     * One forbidden range.
     *
     * @param cidr            the range, {@code address/prefix}
     * @param inNetworkPolicy whether the NetworkPolicy excepts it too (the proxy refuses every range)
     */
    public record ForbiddenRange(String cidr, boolean inNetworkPolicy) {

        static ForbiddenRange everywhere(String cidr) {
            return new ForbiddenRange(cidr, true);
        }

        static ForbiddenRange proxyOnly(String cidr) {
            return new ForbiddenRange(cidr, false);
        }
    }
}
