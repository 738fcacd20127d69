package dev.agentsandbox.sidecar.egressinit;

import dev.agentsandbox.sidecar.core.CommandLine;

import java.io.PrintStream;
import java.util.function.BooleanSupplier;

/**
 * The {@code egress-init} role: installs {@link EgressRules} for IPv4 and IPv6 and fails closed. Any family whose
 * rules are not in place ends the program with a non-zero status, so Kubernetes never starts the agent container.
 */
public final class EgressInitCommand {

    /** Status when the rules are not installed: the pod must not go on. */
    public static final int EXIT_NOT_INSTALLED = 1;
    /** Status for a command line that cannot be run. */
    public static final int EXIT_USAGE = 2;

    private final RuleInstaller installer;
    private final BooleanSupplier ipv6StackPresent;
    private final PrintStream out;
    private final PrintStream err;

    EgressInitCommand(RuleInstaller installer, BooleanSupplier ipv6StackPresent, PrintStream out, PrintStream err) {
        this.installer = installer;
        this.ipv6StackPresent = ipv6StackPresent;
        this.out = out;
        this.err = err;
    }

    /** Runs {@code egress-init} with the real tools and the real kernel; returns the process exit status. */
    public static int run(String[] args) {
        return new EgressInitCommand(new IptablesRestore(), new Ipv6Stack()::present, System.out, System.err).execute(args);
    }

    int execute(String... args) {
        EgressInitOptions options;
        try {
            options = EgressInitOptions.parse(args);
        } catch (CommandLine.UsageException e) {
            err.println("egress-init: " + e.getMessage());
            return EXIT_USAGE;
        }
        if (options.help()) {
            out.print(EgressInitOptions.USAGE);
            return 0;
        }
        EgressRules rules = options.rules();
        if (options.dryRun()) {
            for (IpFamily family : IpFamily.values()) {
                out.println("# --- " + family.displayName() + ", for " + family.restoreCommand() + " ---");
                out.print(rules.render(family));
            }
            return 0;
        }
        for (IpFamily family : IpFamily.values()) {
            if (family == IpFamily.IPV6 && !ipv6StackPresent.getAsBoolean()) {
                out.println("egress-init: IPv6 rules skipped: this kernel has no IPv6 stack (no /proc/net/if_inet6,"
                        + " even after opening an IPv6 socket was tried), so nothing can leave over IPv6");
                continue;
            }
            try {
                installer.install(family, rules.render(family));
            } catch (RuleInstaller.InstallFailedException e) {
                err.println("egress-init: FAILED to install the " + family.displayName() + " egress rules: "
                        + e.getMessage());
                err.println("egress-init: the agent must not start without them. Check that this container has"
                        + " CAP_NET_ADMIN and that the pod's runtime supports nf_tables (Kata does; gVisor does not:"
                        + " use the NetworkPolicy enforcement mode there)");
                return EXIT_NOT_INSTALLED;
            }
            out.println("egress-init: " + family.displayName() + " egress rules installed: new outbound traffic only"
                    + " from UID " + rules.proxyUid() + " (proxy) and UID " + rules.bridgeUid() + " (bridge)");
        }
        return 0;
    }
}
