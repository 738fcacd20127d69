package dev.agentsandbox.sidecar.egressinit;

import dev.agentsandbox.sidecar.egressinit.netns.Commands;
import dev.agentsandbox.sidecar.egressinit.netns.InternetHost;
import dev.agentsandbox.sidecar.egressinit.netns.NetProbe;
import dev.agentsandbox.sidecar.egressinit.netns.NetnsLab;
import dev.agentsandbox.sidecar.egressinit.netns.ProbeResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The egress rules in real Linux network namespaces, installed by the real {@code egress-init} program (the shaded
 * jar, with CAP_NET_ADMIN and no other capability), and tested with real processes running as the agent's, the
 * proxy's and the bridge's UIDs. Skipped only where the machine lacks root or the ip / iptables tools.
 */
class EgressInitNetnsIT {

    static final int AGENT_UID = 1000;
    static final int PROXY_UID = 1337;
    static final int BRIDGE_UID = 1338;
    private static final EgressRules RULES = new EgressRules(PROXY_UID, BRIDGE_UID);

    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_SYS_ADMIN = 21;
    private static final int PROXY_PORT = 3128;
    private static final int PROXY_ADMIN_PORT = 9090;
    private static final String PROXY_LOG = "proxy.log";

    private static NetnsLab lab;
    private static Process proxy;

    @BeforeAll
    static void buildTheLabAndInstallTheRules() throws Exception {
        assumeTrue(isPrivilegedRoot(), "network namespaces and iptables need root with CAP_SYS_ADMIN and"
                + " CAP_NET_ADMIN");
        for (String tool : List.of("ip", "iptables-restore", "ip6tables-restore")) {
            assumeTrue(Commands.find(tool).isPresent(), tool + " is not installed (Debian: iproute2, iptables)");
        }
        lab = new NetnsLab(testClasses(), sidecarJar());
        lab.startInternetHost();

        Commands.Result install = lab.runSidecarKeeping(lab.sandbox(), List.of("net_admin"),
                "egress-init", "--proxy-uid", "" + PROXY_UID, "--bridge-uid", "" + BRIDGE_UID);

        assertThat(install.exitStatus()).as(install.toString()).isZero();
        assertThat(install.stdout()).contains("IPv4 egress rules installed", "IPv6 egress rules installed");
    }

    @AfterAll
    static void removeTheLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @ParameterizedTest
    @EnumSource(IpFamily.class)
    void theKernelHoldsExactlyTheRenderedRules(IpFamily family) {
        String save = family == IpFamily.IPV4 ? "iptables-save" : "ip6tables-save";
        String installed = lab.inNamespace(lab.sandbox(), save, "-t", "filter").requireSuccess().stdout();

        assertThat(statements(installed)).containsExactlyElementsOf(statements(RULES.render(family)));
    }

    @Test
    void agentsDirectTcpConnectionsAreRefusedNotLeftHanging() {
        List<ProbeResult> results = lab.probeAs(AGENT_UID,
                tcp(NetnsLab.INTERNET_V4, InternetHost.GREETING_PORT),
                tcp(NetnsLab.INTERNET_V6, InternetHost.GREETING_PORT),
                tcp(NetnsLab.INTERNET_V4, InternetHost.HTTP_PORT),
                tcp(NetnsLab.INTERNET_V6, InternetHost.HTTP_PORT));

        assertThat(results).hasSize(4).allSatisfy(result ->
                assertThat(result.outcome()).as(result.toString()).isEqualTo("REFUSED"));
        report("agent, direct TCP", results);
    }

    @Test
    void agentGetsNoDns() {
        List<ProbeResult> results = lab.probeAs(AGENT_UID,
                udp(NetnsLab.INTERNET_V4, InternetHost.DNS_PORT),
                udp(NetnsLab.INTERNET_V6, InternetHost.DNS_PORT));

        assertThat(results).hasSize(2).allSatisfy(result ->
                assertThat(result.refused()).as(result.toString()).isTrue());
        report("agent, UDP/53", results);
    }

    @Test
    void proxyAndBridgeUidsConnectAndResolveDirectly() {
        for (int uid : new int[] {PROXY_UID, BRIDGE_UID}) {
            List<ProbeResult> results = lab.probeAs(uid,
                    tcp(NetnsLab.INTERNET_V4, InternetHost.GREETING_PORT),
                    tcp(NetnsLab.INTERNET_V6, InternetHost.GREETING_PORT),
                    udp(NetnsLab.INTERNET_V4, InternetHost.DNS_PORT),
                    udp(NetnsLab.INTERNET_V6, InternetHost.DNS_PORT));

            assertThat(results.get(0).outcome()).as(results.get(0).toString()).isEqualTo("CONNECTED");
            assertThat(results.get(0).detail()).isEqualTo("greetings to " + canonical(NetnsLab.SANDBOX_V4));
            assertThat(results.get(1).outcome()).as(results.get(1).toString()).isEqualTo("CONNECTED");
            assertThat(results.get(1).detail()).isEqualTo("greetings to " + canonical(NetnsLab.SANDBOX_V6));
            assertThat(results.get(2).outcome()).as(results.get(2).toString()).isEqualTo("ANSWERED");
            assertThat(results.get(3).outcome()).as(results.get(3).toString()).isEqualTo("ANSWERED");
            report("uid " + uid + ", direct", results);
        }
    }

    @Test
    void agentsUdpToOtherPortsIsRefusedToo() {
        List<ProbeResult> results = lab.probeAs(AGENT_UID,
                udp(NetnsLab.INTERNET_V4, 443),
                udp(NetnsLab.INTERNET_V6, 443));

        assertThat(results).hasSize(2).allSatisfy(result ->
                assertThat(result.refused()).as(result.toString()).isTrue());
    }

    /**
     * After the proxy's DNS lookup, conntrack remembers its UDP flow for half a minute or more. The agent must not be
     * able to send through it by binding the same local port once the proxy's socket is closed: that would be a
     * channel to the cluster's resolver, and through it DNS tunnelling to anywhere.
     */
    @Test
    void agentCannotReuseAUdpFlowTheProxyOpened() {
        int localPort = 40053;
        for (String internet : List.of(NetnsLab.INTERNET_V4, NetnsLab.INTERNET_V6)) {
            String flow = udp(internet, InternetHost.DNS_PORT) + "," + localPort;
            ProbeResult proxys = lab.probeAs(PROXY_UID, flow).get(0);
            ProbeResult agents = lab.probeAs(AGENT_UID, flow).get(0);

            report("same UDP flow, proxy then agent", List.of(proxys, agents));
            assertThat(proxys.outcome()).as(proxys.toString()).isEqualTo("ANSWERED");
            assertThat(agents.refused()).as(agents.toString()).isTrue();
        }
    }

    /**
     * The TCP counterpart: once the proxy's connection has closed, conntrack still remembers its flow (TIME_WAIT),
     * but a new SYN on it is a new connection, so the agent's attempt from the same local port meets the owner rule.
     * The proxy's own second attempt is the control: the same flow may be opened again, by the right UID.
     */
    @Test
    void agentCannotReuseATcpFlowTheProxyOpened() {
        int localPort = 40080;
        for (String internet : List.of(NetnsLab.INTERNET_V4, NetnsLab.INTERNET_V6)) {
            String flow = tcp(internet, InternetHost.GREETING_PORT) + "," + localPort;
            ProbeResult proxys = lab.probeAs(PROXY_UID, flow).get(0);
            ProbeResult agents = lab.probeAs(AGENT_UID, flow).get(0);
            ProbeResult proxysAgain = lab.probeAs(PROXY_UID, flow).get(0);

            report("same TCP flow, proxy, agent, proxy", List.of(proxys, agents, proxysAgain));
            assertThat(proxys.outcome()).as(proxys.toString()).isEqualTo("CONNECTED");
            assertThat(agents.outcome()).as(agents.toString()).isEqualTo("REFUSED");
            assertThat(proxysAgain.outcome()).as(proxysAgain.toString()).isEqualTo("CONNECTED");
        }
    }

    @Test
    void withoutNetAdminNothingIsInstalledAndTheProgramFailsClosed() {
        String bare = lab.addBareNamespace();

        Commands.Result result = lab.runSidecarKeeping(bare, List.of(),
                "egress-init", "--proxy-uid", "" + PROXY_UID, "--bridge-uid", "" + BRIDGE_UID);

        assertThat(result.exitStatus()).as(result.toString()).isEqualTo(EgressInitCommand.EXIT_NOT_INSTALLED);
        assertThat(result.stderr()).contains("FAILED to install the IPv4 egress rules: iptables-restore exited",
                "the agent must not start");
        assertThat(lab.inNamespace(bare, "iptables-save", "-t", "filter").stdout()).doesNotContain("REJECT");
    }

    @Test
    void whenOnlyIpv6CannotBeInstalledTheProgramStillFailsClosed() {
        String bare = lab.addBareNamespace();
        // What ip6tables-restore says on a runtime without nf_tables for IPv6 (gVisor answers in this way).
        String failingIp6tablesRestore = "#!/bin/sh\ncat >/dev/null\n"
                + "echo 'ip6tables-restore/1.8.9 Failed to initialize nft: Protocol not supported' >&2\nexit 1\n";

        Commands.Result result = lab.runSidecarKeeping(bare, List.of("net_admin"),
                List.of(Map.entry("ip6tables-restore", failingIp6tablesRestore)),
                "egress-init", "--proxy-uid", "" + PROXY_UID, "--bridge-uid", "" + BRIDGE_UID);

        assertThat(result.exitStatus()).as(result.toString()).isEqualTo(EgressInitCommand.EXIT_NOT_INSTALLED);
        assertThat(result.stdout()).contains("IPv4 egress rules installed");
        assertThat(result.stderr()).contains("FAILED to install the IPv6 egress rules: ip6tables-restore exited"
                + " with status 1: ip6tables-restore/1.8.9 Failed to initialize nft: Protocol not supported");
    }

    @Test
    void agentReachesAnAllowedHostThroughTheRunningProxy() {
        startTheProxyOnce();

        List<ProbeResult> results = lab.probeAs(AGENT_UID,
                http("http://" + NetnsLab.INTERNET_NAME + "/"),
                http("http://" + NetnsLab.INTERNET_V6_NAME + "/"),
                connect(NetnsLab.INTERNET_NAME + ":" + InternetHost.GREETING_PORT),
                connect(NetnsLab.INTERNET_V6_NAME + ":" + InternetHost.GREETING_PORT));

        report("agent, via the proxy", results);
        // The internet host names its peer: the sandbox's address, so the proxy (UID 1337) made the connection.
        assertThat(results).extracting(ProbeResult::outcome).containsOnly("HTTP 200");
        assertThat(results).extracting(ProbeResult::detail).containsExactly(
                "hello from the internet to " + canonical(NetnsLab.SANDBOX_V4),
                "hello from the internet to " + canonical(NetnsLab.SANDBOX_V6),
                "greetings to " + canonical(NetnsLab.SANDBOX_V4),
                "greetings to " + canonical(NetnsLab.SANDBOX_V6));
    }

    @Test
    void agentGetsTheProxysRefusalForAHostThatIsNotAllowed() {
        startTheProxyOnce();

        List<ProbeResult> results = lab.probeAs(AGENT_UID,
                http("http://" + NetnsLab.BLOCKED_NAME + "/"),
                connect(NetnsLab.BLOCKED_NAME + ":443"));

        report("agent, via the proxy, host not allowed", results);
        assertThat(results).extracting(ProbeResult::outcome).containsOnly("HTTP 403");
        assertThat(results.get(0).detail()).contains(NetnsLab.BLOCKED_NAME);
    }

    /** The real proxy, as UID 1337 inside the sandbox, allowed to reach the lab's private addresses. */
    private static synchronized void startTheProxyOnce() {
        if (proxy != null) {
            return;
        }
        proxy = lab.startSidecarInSandbox(PROXY_UID, PROXY_LOG, "proxy",
                "--listen", "127.0.0.1:" + PROXY_PORT, "--admin", "127.0.0.1:" + PROXY_ADMIN_PORT,
                "--allow", NetnsLab.INTERNET_NAME, "--allow", NetnsLab.INTERNET_V6_NAME,
                "--allow", NetnsLab.INTERNET_NAME + ":" + InternetHost.GREETING_PORT,
                "--allow", NetnsLab.INTERNET_V6_NAME + ":" + InternetHost.GREETING_PORT,
                // The lab's addresses are private, which the proxy's SSRF guard refuses unless told otherwise.
                "--allow-cidr", NetnsLab.LAB_CIDR_V4, "--allow-cidr", NetnsLab.LAB_CIDR_V6);
        lab.awaitSandboxListener(PROXY_PORT, proxy, PROXY_LOG);
    }

    private static String http(String url) {
        return "http,127.0.0.1," + PROXY_PORT + "," + url;
    }

    private static String connect(String target) {
        return "connect,127.0.0.1," + PROXY_PORT + "," + target;
    }

    /** UID 0 is not enough in a container that took root's capabilities away. */
    private static boolean isPrivilegedRoot() throws Exception {
        if ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") != 0) {
            return false;
        }
        long effective = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(line -> line.startsWith("CapEff:"))
                .map(line -> Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16))
                .findFirst().orElse(0L);
        long required = (1L << CAP_NET_ADMIN) | (1L << CAP_SYS_ADMIN);
        return (effective & required) == required;
    }

    private static String tcp(String host, int port) {
        return "tcp," + host + "," + port;
    }

    private static String udp(String host, int port) {
        return "udp," + host + "," + port;
    }

    /** The lines iptables acts on: no comments, and chain counters zeroed (traffic has moved them). */
    private static List<String> statements(String rules) {
        return rules.lines()
                .filter(line -> !line.startsWith("#"))
                .map(line -> line.replaceFirst("^(:\\S+ \\S+) \\[\\d+:\\d+\\]$", "$1 [0:0]"))
                .toList();
    }

    /** How Java prints an address, as the internet host reports its peer. */
    private static String canonical(String address) {
        try {
            return InetAddress.getByName(address).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(address, e);
        }
    }

    private static void report(String what, List<ProbeResult> results) {
        results.forEach(result -> System.out.println("[netns] " + what + ": " + result));
    }

    private static Path testClasses() throws Exception {
        return Path.of(NetProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static Path sidecarJar() {
        Path jar = Path.of(System.getProperty("sidecar.jar", "target/agentsandbox-sidecar.jar"));
        assertThat(jar).as("the shaded sidecar jar (built in the package phase)").exists();
        return jar;
    }
}
