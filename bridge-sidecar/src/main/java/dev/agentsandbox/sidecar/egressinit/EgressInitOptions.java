package dev.agentsandbox.sidecar.egressinit;

import dev.agentsandbox.sidecar.contract.EgressInitArgs;
import dev.agentsandbox.sidecar.contract.SidecarUids;
import dev.agentsandbox.sidecar.core.CommandLine.UsageException;
import dev.agentsandbox.sidecar.core.CommandLine;

import java.util.Set;

/**
 * The command line of {@code egress-init}; a {@link UsageException} names the option and what to write instead.
 *
 * @param rules  the rules to install (null when only help was asked for)
 * @param dryRun print the rules instead of installing them
 * @param help   print the usage and stop
 */
record EgressInitOptions(EgressRules rules, boolean dryRun, boolean help) {

    static final String USAGE = """
            usage: agentsandbox-sidecar egress-init --proxy-uid UID --bridge-uid UID [--dry-run]

            Installs the pod's egress rules (IPv4 with iptables-restore, IPv6 with ip6tables-restore, each in one
            transaction): loopback and established connections are allowed, new outbound connections only from the
            two UIDs given (TCP, and UDP to port 53 for their DNS), everything else is rejected (TCP reset, ICMP port
            unreachable). Needs CAP_NET_ADMIN and the nf_tables iptables tools. Exits non-zero, and the pod never
            starts its agent, if either family's rules cannot be installed; IPv6 is skipped only when the kernel has
            no IPv6 stack at all.

              --proxy-uid UID   the egress proxy's UID (%d in AgentSandbox pods)
              --bridge-uid UID  the model bridge's UID (%d in AgentSandbox pods)
              --dry-run         print the rules for both families and install nothing
              --help            print this text
            """.formatted(SidecarUids.PROXY, SidecarUids.BRIDGE);

    static EgressInitOptions parse(String... args) {
        CommandLine line = CommandLine.parse(args, Set.of(EgressInitArgs.PROXY_UID, EgressInitArgs.BRIDGE_UID),
                Set.of("dry-run", "help"));
        if (line.has("help")) {
            return new EgressInitOptions(null, false, true);
        }
        int proxyUid = uid(line, EgressInitArgs.PROXY_UID, "the UID the egress proxy runs as, e.g. --proxy-uid "
                + SidecarUids.PROXY);
        int bridgeUid = uid(line, EgressInitArgs.BRIDGE_UID,
                "the UID the model bridge runs as, e.g. --bridge-uid " + SidecarUids.BRIDGE);
        return new EgressInitOptions(new EgressRules(proxyUid, bridgeUid), line.has("dry-run"), false);
    }

    private static int uid(CommandLine line, String option, String meaning) {
        String value = line.value(option)
                .orElseThrow(() -> new UsageException("--" + option + " is required: " + meaning));
        int uid;
        try {
            uid = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + option + " must be a numeric UID, got '" + value + "'");
        }
        try {
            return EgressRules.requireEgressUid("--" + option, uid);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
