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

    /**
     * Every IPv6 form that carries an IPv4 address a host or a translator may deliver to: where the 32 bits sit,
     * and whether they are stored inverted. One table, so a form is either judged by its IPv4 address or absent.
     */
    private static final List<EmbeddingForm> EMBEDDING_FORMS = List.of(
            new EmbeddingForm("::ffff:0:0/96", 12, false),     // IPv4-mapped (RFC 4291)
            new EmbeddingForm("::ffff:0:0:0/96", 12, false),   // IPv4-translated (RFC 2765 SIIT)
            new EmbeddingForm("::/96", 12, false),             // IPv4-compatible (deprecated, RFC 4291)
            new EmbeddingForm("64:ff9b::/96", 12, false),      // NAT64 well-known prefix (RFC 6052)
            new EmbeddingForm("2002::/16", 2, false),          // 6to4 (RFC 3056)
            new EmbeddingForm("2001::/32", 12, true));         // Teredo: the client's address, inverted (RFC 4380)

    /** ISATAP interface identifiers ({@code ::0:5efe:a.b.c.d}, {@code ::200:5efe:a.b.c.d}) under any prefix. */
    private static final byte[][] ISATAP_IDS = {{0, 0, 0x5e, (byte) 0xfe}, {2, 0, 0x5e, (byte) 0xfe}};

    private record EmbeddingForm(CidrRange prefix, int offset, boolean inverted) {
        EmbeddingForm(String cidr, int offset, boolean inverted) {
            this(CidrRange.parse(cidr), offset, inverted);
        }

        byte[] extract(byte[] a) {
            byte[] v4 = new byte[4];
            for (int i = 0; i < 4; i++) {
                v4[i] = inverted ? (byte) ~a[offset + i] : a[offset + i];
            }
            return v4;
        }
    }

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
        for (EmbeddingForm form : EMBEDDING_FORMS) {
            if (form.prefix().contains(a)) {
                return form.extract(a);
            }
        }
        for (byte[] id : ISATAP_IDS) {
            if ((a[8] & 0xfd) == id[0] && a[9] == id[1] && a[10] == id[2] && a[11] == id[3]) {
                return new byte[] {a[12], a[13], a[14], a[15]};
            }
        }
        return null;
    }
}
