package dev.agentsandbox.sidecar.egressinit;

/** The two address families the rules cover, each with its own netfilter table and restore tool. */
public enum IpFamily {

    IPV4("IPv4", "iptables-restore", "icmp-port-unreachable"),
    IPV6("IPv6", "ip6tables-restore", "icmp6-port-unreachable");

    private final String displayName;
    private final String restoreCommand;
    private final String icmpRejectType;

    IpFamily(String displayName, String restoreCommand, String icmpRejectType) {
        this.displayName = displayName;
        this.restoreCommand = restoreCommand;
        this.icmpRejectType = icmpRejectType;
    }

    public String displayName() {
        return displayName;
    }

    /** The tool that replaces the filter table in one transaction, reading the rules on stdin. */
    public String restoreCommand() {
        return restoreCommand;
    }

    /**
     * What a refused non-TCP packet gets back: "port unreachable" surfaces as {@code ECONNREFUSED} on the sender's
     * socket, so a DNS lookup or UDP client fails at once instead of waiting for its timeout.
     */
    String icmpRejectType() {
        return icmpRejectType;
    }
}
