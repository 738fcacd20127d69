package dev.agentsandbox.sidecar.egressinit;

import java.util.Arrays;
import java.util.Iterator;

/**
 * The command line of {@code egress-init}.
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

              --proxy-uid UID   the egress proxy's UID (1337 in AgentSandbox pods)
              --bridge-uid UID  the model bridge's UID (1338 in AgentSandbox pods)
              --dry-run         print the rules for both families and install nothing
              --help            print this text
            """;

    /** A command line that cannot be run; the message names the flag and says what to write instead. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    static EgressInitOptions parse(String... args) throws UsageException {
        Integer proxyUid = null;
        Integer bridgeUid = null;
        boolean dryRun = false;
        Iterator<String> it = Arrays.asList(args).iterator();
        while (it.hasNext()) {
            String arg = it.next();
            String flag = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            switch (flag) {
                case "--help", "-h" -> {
                    return new EgressInitOptions(null, false, true);
                }
                case "--dry-run" -> dryRun = true;
                case "--proxy-uid" -> proxyUid = uid(flag, valueOf(arg, flag, it));
                case "--bridge-uid" -> bridgeUid = uid(flag, valueOf(arg, flag, it));
                default -> throw new UsageException("unknown option '" + arg + "' (see --help)");
            }
        }
        if (proxyUid == null) {
            throw new UsageException("--proxy-uid is required: the UID the egress proxy runs as, e.g. --proxy-uid 1337");
        }
        if (bridgeUid == null) {
            throw new UsageException("--bridge-uid is required: the UID the model bridge runs as, e.g. --bridge-uid 1338");
        }
        return new EgressInitOptions(new EgressRules(proxyUid, bridgeUid), dryRun, false);
    }

    private static String valueOf(String arg, String flag, Iterator<String> rest) throws UsageException {
        if (arg.length() > flag.length()) {
            return arg.substring(flag.length() + 1);
        }
        if (!rest.hasNext()) {
            throw new UsageException(flag + " needs a value, e.g. " + flag + " 1337");
        }
        return rest.next();
    }

    private static int uid(String flag, String value) throws UsageException {
        int uid;
        try {
            uid = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " must be a numeric UID, got '" + value + "'");
        }
        try {
            return EgressRules.requireEgressUid(flag, uid);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
