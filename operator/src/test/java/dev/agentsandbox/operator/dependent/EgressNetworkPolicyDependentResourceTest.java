package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.api.v1alpha1.EgressEnforcement;
import dev.agentsandbox.operator.plan.EffectiveEnforcement;
import dev.agentsandbox.operator.plan.SandboxPlan;
import dev.agentsandbox.operator.plan.SandboxSettings;
import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class EgressNetworkPolicyDependentResourceTest {

    private static NetworkPolicy policy(AgentSandbox sandbox) {
        return new EgressNetworkPolicyDependentResource().desired(TestSandboxes.plan(sandbox));
    }

    private static List<String> ports(List<NetworkPolicyPort> ports) {
        return ports.stream().map(p -> p.getProtocol() + "/" + p.getPort().getIntVal()).toList();
    }

    @Test
    void selectsTheSandboxPodAndRestrictsBothDirections() {
        NetworkPolicy policy = policy(TestSandboxes.full("a"));

        assertThat(policy.getApiVersion()).isEqualTo("networking.k8s.io/v1");
        assertThat(policy.getKind()).isEqualTo("NetworkPolicy");
        assertThat(policy.getMetadata().getName()).isEqualTo("a-egress");
        assertThat(policy.getMetadata().getLabels()).containsEntry("agentsandbox.dev/sandbox", "a");
        assertThat(policy.getSpec().getPodSelector().getMatchLabels()).containsExactlyEntriesOf(
                java.util.Map.of("agentsandbox.dev/sandbox", "a"));
        assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress", "Egress");
    }

    @Test
    void ingressOnlyFromTheOperatorPodsToTheAdminPorts() {
        NetworkPolicy policy = policy(TestSandboxes.full("a"));

        assertThat(policy.getSpec().getIngress()).hasSize(1);
        NetworkPolicyIngressRule rule = policy.getSpec().getIngress().get(0);
        assertThat(ports(rule.getPorts())).containsExactly("TCP/9090", "TCP/9091");
        assertThat(rule.getFrom()).hasSize(1);
        NetworkPolicyPeer from = rule.getFrom().get(0);
        assertThat(from.getIpBlock()).isNull();
        assertThat(from.getNamespaceSelector().getMatchLabels())
                .containsExactlyEntriesOf(java.util.Map.of("kubernetes.io/metadata.name", "agentsandbox-system"));
        assertThat(from.getPodSelector().getMatchLabels())
                .containsExactlyEntriesOf(java.util.Map.of("app.kubernetes.io/name", "agentsandbox-operator"));
    }

    @Test
    void egressToDnsTheRunnerAndPublicWebOnly() {
        List<NetworkPolicyEgressRule> egress = policy(TestSandboxes.full("a")).getSpec().getEgress();

        assertThat(egress).hasSize(3);
        NetworkPolicyEgressRule dns = egress.get(0);
        assertThat(ports(dns.getPorts())).containsExactly("UDP/53", "TCP/53");
        assertThat(dns.getTo().get(0).getNamespaceSelector().getMatchLabels())
                .containsEntry("kubernetes.io/metadata.name", "kube-system");
        assertThat(dns.getTo().get(0).getPodSelector().getMatchLabels()).containsEntry("k8s-app", "kube-dns");

        NetworkPolicyEgressRule runner = egress.get(1);
        assertThat(runner.getTo().get(0).getNamespaceSelector().getMatchLabels())
                .containsEntry("kubernetes.io/metadata.name", "model-runner");
        assertThat(ports(runner.getPorts())).containsExactly("TCP/12434", "TCP/80");

        NetworkPolicyEgressRule web = egress.get(2);
        assertThat(ports(web.getPorts())).containsExactly("TCP/80", "TCP/443");
        assertThat(web.getTo()).extracting(p -> p.getIpBlock().getCidr()).containsExactly("0.0.0.0/0", "::/0");
        assertThat(web.getTo().get(0).getIpBlock().getExcept()).containsExactly("10.0.0.0/8", "172.16.0.0/12",
                "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10", "127.0.0.0/8");
        assertThat(web.getTo().get(1).getIpBlock().getExcept()).containsExactly("fc00::/7", "fe80::/10", "::1/128");
    }

    @Test
    void dnsServersBesidesKubeDnsAreAdmittedOnPort53() {
        AgentSandbox sandbox = TestSandboxes.minimal("a");
        SandboxSettings defaults = TestSandboxes.settings();
        SandboxSettings settings = new SandboxSettings(defaults.sidecarImage(), defaults.gitImage(),
                defaults.operatorNamespace(), defaults.operatorPodSelector(), defaults.sidecarResources(), List.of(),
                List.of("169.254.20.10/32"), Optional.empty());
        SandboxPlan plan = new SandboxPlan(sandbox, "kata", null, List.of(), settings,
                EffectiveEnforcement.asRequested(EgressEnforcement.NETWORK_POLICY), true);

        NetworkPolicyEgressRule dns = new EgressNetworkPolicyDependentResource().desired(plan).getSpec().getEgress()
                .get(0);
        assertThat(ports(dns.getPorts())).containsExactly("UDP/53", "TCP/53");
        assertThat(dns.getTo()).hasSize(2);
        assertThat(dns.getTo().get(1).getIpBlock().getCidr()).isEqualTo("169.254.20.10/32");
        assertThat(new EgressNetworkPolicyDependentResource().desired(TestSandboxes.plan(sandbox)).getSpec()
                .getEgress().get(0).getTo()).as("kube-dns pods only by default").hasSize(1);
    }

    @Test
    void withoutAModelNoRunnerRule() {
        List<NetworkPolicyEgressRule> egress = policy(TestSandboxes.minimal("a")).getSpec().getEgress();

        assertThat(egress).hasSize(2);
        assertThat(egress).noneMatch(rule -> rule.getTo().stream().anyMatch(p -> p.getNamespaceSelector() != null
                && "model-runner".equals(p.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name"))));
    }
}
