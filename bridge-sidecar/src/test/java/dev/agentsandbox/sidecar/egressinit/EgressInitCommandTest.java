package dev.agentsandbox.sidecar.egressinit;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class EgressInitCommandTest {

    private static final String[] UIDS = {"--proxy-uid", "1337", "--bridge-uid", "1338"};
    private static final EgressRules RULES = new EgressRules(1337, 1338);

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final RecordingInstaller installer = new RecordingInstaller();

    @Test
    void installsTheRenderedRulesForBothFamilies() {
        int status = egressInit(true).execute(UIDS);

        assertThat(status).isZero();
        assertThat(installer.installed).containsExactly(RULES.render(IpFamily.IPV4), RULES.render(IpFamily.IPV6));
        assertThat(text(out)).contains("IPv4 egress rules installed", "IPv6 egress rules installed");
    }

    @Test
    void failsClosedWhenTheIpv6RulesCannotBeInstalled() {
        installer.failing = EnumSet.of(IpFamily.IPV6);

        int status = egressInit(true).execute(UIDS);

        assertThat(status).isEqualTo(EgressInitCommand.EXIT_NOT_INSTALLED);
        assertThat(text(err)).contains("FAILED to install the IPv6 egress rules: ip6tables-restore said no",
                "must not start", "CAP_NET_ADMIN");
    }

    @Test
    void failsClosedBeforeTryingIpv6WhenIpv4Fails() {
        installer.failing = EnumSet.of(IpFamily.IPV4);

        int status = egressInit(true).execute(UIDS);

        assertThat(status).isEqualTo(EgressInitCommand.EXIT_NOT_INSTALLED);
        assertThat(installer.installed).isEmpty();
        assertThat(text(err)).contains("FAILED to install the IPv4 egress rules");
    }

    @Test
    void skipsIpv6OnlyWhenTheKernelHasNoIpv6Stack() {
        int status = egressInit(false).execute(UIDS);

        assertThat(status).isZero();
        assertThat(installer.installed).containsExactly(RULES.render(IpFamily.IPV4));
        assertThat(text(out)).contains("IPv6 rules skipped: this kernel has no IPv6 stack");
    }

    @Test
    void dryRunPrintsBothFamiliesAndInstallsNothing() {
        int status = egressInit(true).execute("--dry-run", "--proxy-uid", "1337", "--bridge-uid", "1338");

        assertThat(status).isZero();
        assertThat(installer.installed).isEmpty();
        assertThat(text(out)).contains(RULES.render(IpFamily.IPV4), RULES.render(IpFamily.IPV6),
                "for iptables-restore", "for ip6tables-restore");
    }

    @Test
    void helpPrintsTheUsage() {
        assertThat(egressInit(true).execute("--help")).isZero();
        assertThat(text(out)).startsWith("usage: agentsandbox-sidecar egress-init").contains("--dry-run");
        assertThat(installer.installed).isEmpty();
    }

    @Test
    void usageErrorExitsWithItsOwnStatusAndNamesTheFlag() {
        assertThat(egressInit(true).execute("--proxy-uid", "1337")).isEqualTo(EgressInitCommand.EXIT_USAGE);
        assertThat(text(err)).contains("--bridge-uid is required");
        assertThat(installer.installed).isEmpty();
    }

    private EgressInitCommand egressInit(boolean ipv6StackPresent) {
        return new EgressInitCommand(installer, () -> ipv6StackPresent, print(out), print(err));
    }

    private static PrintStream print(ByteArrayOutputStream buffer) {
        return new PrintStream(buffer, true, StandardCharsets.UTF_8);
    }

    private static String text(ByteArrayOutputStream buffer) {
        return buffer.toString(StandardCharsets.UTF_8);
    }

    private static final class RecordingInstaller implements RuleInstaller {
        private final List<String> installed = new ArrayList<>();
        private Set<IpFamily> failing = EnumSet.noneOf(IpFamily.class);

        @Override
        public void install(IpFamily family, String rules) throws InstallFailedException {
            if (failing.contains(family)) {
                throw new InstallFailedException(family.restoreCommand() + " said no");
            }
            installed.add(rules);
        }
    }
}
