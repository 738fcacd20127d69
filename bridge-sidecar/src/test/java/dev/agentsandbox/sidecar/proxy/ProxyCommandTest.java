package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.contract.CredentialRule;
import dev.agentsandbox.sidecar.contract.ProxyLimitArgs;
import dev.agentsandbox.sidecar.contract.SidecarArgs;
import dev.agentsandbox.sidecar.contract.SidecarMounts;
import dev.agentsandbox.sidecar.contract.SidecarPorts;
import dev.agentsandbox.sidecar.core.CommandLine;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProxyCommandTest {

    private static ProxyOptions parse(String... args) {
        return ProxyCommand.options(CommandLine.parse(args, Set.of("config", "allow", "deny", "allow-cidr",
                "credential", "listen", "admin", "protect-port", "ca-dir", "trust-bundle", "max-connections",
                "max-tunnels", "max-header-bytes", "header-timeout", "idle-timeout", "connect-timeout"), Set.of("help")));
    }

    @Test
    void flagsBuildAnInlinePolicyWithDefaults() {
        ProxyOptions options = parse("--allow", "a.com", "--allow", "*.b.com:8443", "--deny", "x.b.com",
                "--allow-cidr", "10.0.0.0/8", "--credential",
                "host=api.a.com,header=Authorization,format=Bearer %s,file=/s/key", "--idle-timeout", "60");
        assertThat(options.inlinePolicy().allow()).containsExactly("a.com", "*.b.com:8443");
        assertThat(options.inlinePolicy().deny()).containsExactly("x.b.com");
        assertThat(options.inlinePolicy().allowCidrs()).containsExactly("10.0.0.0/8");
        assertThat(options.inlinePolicy().credentials()).containsExactly(
                new CredentialRule("api.a.com", "api.a.com", "Authorization", "Bearer %s", "/s/key", null));
        assertThat(options.listen().port()).isEqualTo(3128);
        assertThat(options.admin().port()).isEqualTo(9090);
        assertThat(options.otherOwnPorts()).containsExactlyInAnyOrder(54321, 9091);
        assertThat(options.limits().idleTimeout()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void readsTheArgumentsTheOperatorWrites() {
        ProxyLimitArgs limits = new ProxyLimitArgs(5, 4, 2048, 7, 70, 3);
        List<String> containerArgs = SidecarArgs.proxyInPod(limits);

        assertThat(containerArgs.get(0)).isEqualTo("proxy");
        ProxyOptions options = parse(containerArgs.subList(1, containerArgs.size()).toArray(String[]::new));
        assertThat(options.configFile()).hasToString(SidecarMounts.PROXY_CONFIG);
        assertThat(options.caDir()).hasToString(SidecarMounts.CA_DIR);
        assertThat(options.listen()).hasToString("127.0.0.1:" + SidecarPorts.PROXY);
        assertThat(options.admin()).hasToString("0.0.0.0:" + SidecarPorts.PROXY_ADMIN);
        assertThat(options.otherOwnPorts()).isEqualTo(SidecarPorts.BRIDGE_PORTS);
        assertThat(options.limits()).isEqualTo(new ProxyLimits(5, 4, 2048, Duration.ofSeconds(7),
                Duration.ofSeconds(70), Duration.ofSeconds(3)));
        assertThat(options.trustBundle()).as("no extra upstream trust unless the operator has some").isNull();
    }

    @Test
    void readsTheUpstreamTrustTheOperatorNames() {
        List<String> containerArgs = SidecarArgs.proxyInPod(ProxyLimitArgs.DEFAULTS, true);

        ProxyOptions options = parse(containerArgs.subList(1, containerArgs.size()).toArray(String[]::new));
        assertThat(options.trustBundle()).hasToString(SidecarMounts.UPSTREAM_TRUST);
        assertThat(options.configFile()).hasToString(SidecarMounts.PROXY_CONFIG);
    }

    @Test
    void withoutLimitFlagsTheContractsDefaultsApply() {
        assertThat(parse(new String[] {"--allow", "a.com"}).limits()).isEqualTo(ProxyLimits.of(ProxyLimitArgs.DEFAULTS));
    }

    @Test
    void credentialSpecsAreValidatedWithTheFieldNamed() {
        assertThat(ProxyCommand.credentials(List.of("host=github.com,header=Authorization,format=Basic %s,"
                + "file=/t,user=x-access-token,name=github")).get(0).basicAuthUser()).isEqualTo("x-access-token");
        assertThatThrownBy(() -> ProxyCommand.credentials(List.of("host=a.com,header=X")))
                .hasMessageContaining("missing file=");
        assertThatThrownBy(() -> ProxyCommand.credentials(List.of("host=a.com,header=X,file=/f,secret=oops")))
                .hasMessageContaining("unknown key 'secret'");
        assertThatThrownBy(() -> ProxyCommand.credentials(List.of("host=a.com,header=X,file=/f,format=none")))
                .hasMessageContaining("exactly one %s");
    }

    @Test
    void helpDocumentsEveryOption() {
        for (String option : List.of("--config", "--listen", "--admin", "--allow", "--deny", "--allow-cidr",
                "--credential", "--ca-dir", "--trust-bundle", "--max-tunnels", "--idle-timeout", "--connect-timeout",
                "--header-timeout", "--max-header-bytes", "--max-connections", "--protect-port")) {
            assertThat(ProxyCommand.USAGE).contains(option);
        }
    }
}
