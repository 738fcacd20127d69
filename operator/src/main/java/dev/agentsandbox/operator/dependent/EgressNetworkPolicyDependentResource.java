package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.plan.SandboxPlan;
import dev.agentsandbox.sidecar.contract.ForbiddenRanges;
import dev.agentsandbox.sidecar.contract.SidecarPorts;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code <name>-egress}: no ingress but the operator to the sidecars' admin ports; egress only to DNS, the Model
 * Runner pods and public addresses on 80/443. It cannot tell the agent from the proxy (docs/architecture.md,
 * "Security model"): the iptables enforcement mode closes that gap.
 *
 * <p>It has no informer of its own: the reconciler watches every NetworkPolicy of the namespaces (others may widen
 * a sandbox's egress) and this dependent reads the sandbox's policy, by name, from that informer.
 */
public class EgressNetworkPolicyDependentResource
        extends PlannedDependentResource<NetworkPolicy> {

    public static final String NAME = "egress-networkpolicy";

    private static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

    public EgressNetworkPolicyDependentResource() {
        super(NetworkPolicy.class);
    }

    @Override
    public NetworkPolicy desired(SandboxPlan plan) {
        return new NetworkPolicyBuilder()
                .withApiVersion("networking.k8s.io/v1").withKind("NetworkPolicy")
                .withMetadata(SandboxObjects.metadata(SandboxObjects.networkPolicyName(plan.objectBase()),
                        plan.namespace(), plan.name()))
                .withNewSpec()
                .withPodSelector(podSelector(plan))
                .withPolicyTypes("Ingress", "Egress")
                .withIngress(operatorToAdminPorts(plan))
                .withEgress(egressRules(plan))
                .endSpec()
                .build();
    }

    /**
     * A sandbox's own pod by its sandbox label; an adopted warm pod by its slot's label, as the slot's policy that
     * the sandbox takes over selects it ({@link WarmSlots#networkPolicy}): the pod was behind that policy before its
     * claim and stays behind it, with no policy write on the way.
     */
    private static LabelSelector podSelector(SandboxPlan plan) {
        return plan.adopted() ? WarmSlots.slotSelector(plan.objectBase())
                : new LabelSelectorBuilder().withMatchLabels(Map.of(SandboxObjects.SANDBOX_LABEL, plan.name())).build();
    }

    /**
     * Exactly ours, not merely containing ours: a rule someone added (say, egress to anywhere) is a mismatch, and
     * the policy is restored. The API server adds no defaults to what {@link #desired(SandboxPlan)} sets.
     */
    @Override
    public Matcher.Result<NetworkPolicy> match(NetworkPolicy actual, NetworkPolicy desired, AgentSandbox primary,
                                               Context<AgentSandbox> context) {
        return Matcher.Result.computed(sameRules(actual, desired), desired);
    }

    /** Exactly the desired rules and selector (also of a slot's policy, which the pool keeps to its template). */
    public static boolean sameRules(NetworkPolicy actual, NetworkPolicy desired) {
        return Objects.equals(actual.getSpec(), desired.getSpec());
    }

    private static NetworkPolicyIngressRule operatorToAdminPorts(SandboxPlan plan) {
        NetworkPolicyPeer operatorPods = new NetworkPolicyPeerBuilder()
                .withNamespaceSelector(new LabelSelectorBuilder()
                        .withMatchLabels(Map.of(NAMESPACE_NAME_LABEL, plan.settings().operatorNamespace())).build())
                .withPodSelector(new LabelSelectorBuilder()
                        .withMatchLabels(plan.settings().operatorPodSelector()).build())
                .build();
        return new NetworkPolicyIngressRuleBuilder()
                .withFrom(operatorPods)
                .withPorts(tcp(SidecarPorts.PROXY_ADMIN), tcp(SidecarPorts.BRIDGE_ADMIN))
                .build();
    }

    private static List<NetworkPolicyEgressRule> egressRules(SandboxPlan plan) {
        List<NetworkPolicyEgressRule> rules = new ArrayList<>();
        List<NetworkPolicyPeer> dnsServers = new ArrayList<>();
        dnsServers.add(new NetworkPolicyPeerBuilder()
                .withNamespaceSelector(new LabelSelectorBuilder()
                        .withMatchLabels(Map.of(NAMESPACE_NAME_LABEL, "kube-system")).build())
                .withPodSelector(new LabelSelectorBuilder()
                        .withMatchLabels(Map.of("k8s-app", "kube-dns")).build())
                .build());
        // A cluster whose DNS is not a kube-dns pod (a node-local cache, CoreDNS on the host network).
        plan.settings().dnsCidrs().forEach(cidr -> dnsServers.add(new NetworkPolicyPeerBuilder().withNewIpBlock()
                .withCidr(cidr).endIpBlock().build()));
        rules.add(new NetworkPolicyEgressRuleBuilder()
                .withTo(dnsServers)
                .withPorts(port("UDP", 53), port("TCP", 53))
                .build());
        plan.model().ifPresent(runner -> rules.add(new NetworkPolicyEgressRuleBuilder()
                .withTo(new NetworkPolicyPeerBuilder()
                        .withNamespaceSelector(new LabelSelectorBuilder()
                                .withMatchLabels(Map.of(NAMESPACE_NAME_LABEL, runner.namespace())).build())
                        .build())
                .withPorts(runnerPorts(runner.targetPort(), runner.port()))
                .build()));
        rules.add(new NetworkPolicyEgressRuleBuilder()
                .withTo(publicRange("0.0.0.0/0", ForbiddenRanges.networkPolicyExcept(false)),
                        publicRange("::/0", ForbiddenRanges.networkPolicyExcept(true)))
                .withPorts(tcp(80), tcp(443))
                .build());
        return rules;
    }

    private static List<NetworkPolicyPort> runnerPorts(int targetPort, int servicePort) {
        // A NetworkPolicy sees the pod's port after the Service's translation; the service port is listed too for
        // CNIs that evaluate before it, and for runners whose Service maps the port unchanged.
        return targetPort == servicePort ? List.of(tcp(targetPort)) : List.of(tcp(targetPort), tcp(servicePort));
    }

    private static NetworkPolicyPeer publicRange(String cidr, List<String> except) {
        return new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr(cidr).withExcept(except).endIpBlock().build();
    }

    private static NetworkPolicyPort tcp(int port) {
        return port("TCP", port);
    }

    private static NetworkPolicyPort port(String protocol, int port) {
        return new NetworkPolicyPortBuilder().withProtocol(protocol).withPort(new IntOrString(port)).build();
    }
}
