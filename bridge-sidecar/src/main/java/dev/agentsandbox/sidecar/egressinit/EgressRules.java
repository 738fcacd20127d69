package dev.agentsandbox.sidecar.egressinit;

import dev.agentsandbox.sidecar.contract.SidecarUids;
import java.util.ArrayList;
import java.util.List;

/**
 * The pod's egress rules, rendered in the {@code iptables-restore} format: the one place they are written (the
 * program installs this text, the tests install this same text).
 *
 * <p>What the rules say, per address family, in the {@code filter} table's {@code OUTPUT} chain:
 * <ol>
 *   <li>anything leaving through the loopback interface is allowed (the agent talks to the proxy and the bridge
 *       on 127.0.0.1);</li>
 *   <li>packets of TCP connections the conntrack table already knows are allowed (replies, e.g. to the kubelet's
 *       probes or the operator reading the admin ports). TCP only: conntrack keeps a UDP "flow" for half a minute
 *       or more after its socket is gone, so the agent could bind the proxy's old local port and send through the
 *       proxy's DNS flow to the resolver (a DNS tunnel). A TCP flow cannot be reused that way: a new SYN on a closed
 *       flow is a new connection. {@code RELATED} is left out: no helper is needed here;</li>
 *   <li>IPv6 only: neighbour solicitations and advertisements (hop limit 255, so only the link itself) are allowed;
 *       the kernel sends them for no socket, so no owner rule can match them, and without them no IPv6 packet, the
 *       proxy's included, could reach the next hop;</li>
 *   <li>new traffic is allowed only from the proxy's and the bridge's UIDs ({@code -m owner --uid-owner}, matched on
 *       the sending socket): TCP to any port, and UDP to port 53 because they resolve names; the agent gets no DNS
 *       at all, the proxy resolves for it;</li>
 *   <li>everything else is rejected, not dropped: TCP gets a reset and the rest an ICMP "port unreachable", so a
 *       client in the agent fails at once with "connection refused" instead of hanging until its timeout.</li>
 * </ol>
 * The chain's policy is {@code DROP} as well: the explicit rejects answer every packet, and the policy keeps egress
 * closed even if the chain's rules are ever flushed. {@code INPUT} and {@code FORWARD} are left open: the
 * NetworkPolicy guards ingress, and this is about what leaves.
 *
 * @param proxyUid  the egress proxy's UID ({@link SidecarUids#PROXY} in the pod the operator builds)
 * @param bridgeUid the model bridge's UID ({@link SidecarUids#BRIDGE})
 */
public record EgressRules(int proxyUid, int bridgeUid) {

    /** Neighbour discovery travels with the maximum hop limit; anything routed has a lower one. */
    private static final int NEIGHBOUR_DISCOVERY_HOP_LIMIT = 255;
    private static final int NEIGHBOUR_SOLICITATION = 135;
    private static final int NEIGHBOUR_ADVERTISEMENT = 136;
    private static final int DNS_PORT = 53;

    public EgressRules {
        requireEgressUid("proxy UID", proxyUid);
        requireEgressUid("bridge UID", bridgeUid);
    }

    /**
     * Checks a UID that is to be allowed out; {@code what} names it in the message (a flag, a field).
     *
     * @throws IllegalArgumentException when the UID is root or negative
     */
    public static int requireEgressUid(String what, int uid) {
        if (uid < 0) {
            throw new IllegalArgumentException(what + " must be a UID (0 or more), got " + uid);
        }
        if (uid == 0) {
            throw new IllegalArgumentException(what + " must not be 0: root's traffic would bypass the proxy;"
                    + " give the proxy and the bridge their own non-root UIDs (e.g. " + SidecarUids.PROXY + " and "
                    + SidecarUids.BRIDGE + ")");
        }
        return uid;
    }

    /** The input for {@link IpFamily#restoreCommand()}: the whole {@code filter} table, replaced in one commit. */
    public String render(IpFamily family) {
        List<String> lines = new ArrayList<>();
        lines.add("# AgentSandbox egress-init, " + family.displayName() + ": new outbound traffic only from UID "
                + proxyUid + " (proxy) and UID " + bridgeUid + " (bridge); everything else is rejected.");
        lines.add("*filter");
        lines.add(":INPUT ACCEPT [0:0]");
        lines.add(":FORWARD ACCEPT [0:0]");
        lines.add(":OUTPUT DROP [0:0]");
        lines.add("-A OUTPUT -o lo -j ACCEPT");
        lines.add("-A OUTPUT -p tcp -m conntrack --ctstate ESTABLISHED -j ACCEPT");
        if (family == IpFamily.IPV6) {
            lines.add("# neighbour solicitation and advertisement: sent by the kernel for no socket");
            for (int type : new int[] {NEIGHBOUR_SOLICITATION, NEIGHBOUR_ADVERTISEMENT}) {
                lines.add("-A OUTPUT -p ipv6-icmp -m icmp6 --icmpv6-type " + type
                        + " -m hl --hl-eq " + NEIGHBOUR_DISCOVERY_HOP_LIMIT + " -j ACCEPT");
            }
        }
        for (int uid : egressUids()) {
            lines.add("-A OUTPUT -p tcp -m owner --uid-owner " + uid + " -j ACCEPT");
            lines.add("-A OUTPUT -p udp -m udp --dport " + DNS_PORT + " -m owner --uid-owner " + uid + " -j ACCEPT");
        }
        lines.add("-A OUTPUT -p tcp -j REJECT --reject-with tcp-reset");
        lines.add("-A OUTPUT -j REJECT --reject-with " + family.icmpRejectType());
        lines.add("COMMIT");
        return String.join("\n", lines) + "\n";
    }

    private int[] egressUids() {
        return proxyUid == bridgeUid ? new int[] {proxyUid} : new int[] {proxyUid, bridgeUid};
    }
}
