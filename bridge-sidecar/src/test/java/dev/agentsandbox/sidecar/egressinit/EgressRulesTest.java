package dev.agentsandbox.sidecar.egressinit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EgressRulesTest {

    private final EgressRules rules = new EgressRules(1337, 1338);

    @ParameterizedTest
    @EnumSource(IpFamily.class)
    void replacesTheWholeFilterTableInOneCommitWithOutputClosedByPolicy(IpFamily family) {
        List<String> lines = statements(family);

        assertThat(lines.get(0)).isEqualTo("*filter");
        assertThat(lines).contains(":OUTPUT DROP [0:0]", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]");
        assertThat(lines.get(lines.size() - 1)).isEqualTo("COMMIT");
        assertThat(lines).filteredOn("COMMIT"::equals).hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(IpFamily.class)
    void loopbackAndEstablishedComeFirstAndRejectsComeLast(IpFamily family) {
        List<String> appended = appended(family);

        assertThat(appended.subList(0, 2)).containsExactly(
                "-A OUTPUT -o lo -j ACCEPT",
                "-A OUTPUT -p tcp -m conntrack --ctstate ESTABLISHED -j ACCEPT");
        assertThat(appended.subList(appended.size() - 2, appended.size())).containsExactly(
                "-A OUTPUT -p tcp -j REJECT --reject-with tcp-reset",
                "-A OUTPUT -j REJECT --reject-with " + (family == IpFamily.IPV4
                        ? "icmp-port-unreachable" : "icmp6-port-unreachable"));
    }

    @ParameterizedTest
    @EnumSource(IpFamily.class)
    void newTrafficIsAcceptedOnlyFromTheProxyAndBridgeUids(IpFamily family) {
        List<String> acceptsOffLoopback = appended(family).stream()
                .filter(rule -> rule.endsWith("-j ACCEPT"))
                .filter(rule -> !rule.contains("-o lo"))
                .filter(rule -> !rule.contains("--ctstate ESTABLISHED"))
                .filter(rule -> !rule.contains("--icmpv6-type"))
                .toList();

        assertThat(acceptsOffLoopback).containsExactly(
                "-A OUTPUT -p tcp -m owner --uid-owner 1337 -j ACCEPT",
                "-A OUTPUT -p udp -m udp --dport 53 -m owner --uid-owner 1337 -j ACCEPT",
                "-A OUTPUT -p tcp -m owner --uid-owner 1338 -j ACCEPT",
                "-A OUTPUT -p udp -m udp --dport 53 -m owner --uid-owner 1338 -j ACCEPT");
    }

    @Test
    void onlyIpv6AllowsNeighbourDiscoveryAndOnlyOnTheLink() {
        assertThat(appended(IpFamily.IPV4)).noneMatch(rule -> rule.contains("icmp6"));
        assertThat(appended(IpFamily.IPV6)).filteredOn(rule -> rule.contains("--icmpv6-type")).containsExactly(
                "-A OUTPUT -p ipv6-icmp -m icmp6 --icmpv6-type 135 -m hl --hl-eq 255 -j ACCEPT",
                "-A OUTPUT -p ipv6-icmp -m icmp6 --icmpv6-type 136 -m hl --hl-eq 255 -j ACCEPT");
    }

    @Test
    void aSharedUidIsAllowedOnce() {
        String rendered = new EgressRules(1337, 1337).render(IpFamily.IPV4);

        assertThat(rendered.lines().filter(line -> line.contains("--uid-owner"))).hasSize(2);
    }

    @Test
    void rootOrNegativeUidIsRefusedWithTheReason() {
        assertThatThrownBy(() -> new EgressRules(0, 1338))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("proxy UID must not be 0");
        assertThatThrownBy(() -> new EgressRules(1337, -5))
                .hasMessageContaining("bridge UID must be a UID (0 or more), got -5");
    }

    /** The lines iptables-restore acts on (comments are ignored by it). */
    private List<String> statements(IpFamily family) {
        return rules.render(family).lines().filter(line -> !line.startsWith("#")).toList();
    }

    private List<String> appended(IpFamily family) {
        return statements(family).stream().filter(line -> line.startsWith("-A ")).toList();
    }
}
