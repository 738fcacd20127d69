package dev.agentsandbox.operator.reconciler;

import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.EgressEnforcement;
import dev.agentsandbox.operator.api.v1alpha1.EgressSpec;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.agentsandbox.operator.reconciler.OperatorTestSupport.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An operator whose enforcement mode is iptables: gVisor sandboxes fall back to the NetworkPolicy only (and say so),
 * a sandbox's weaker choice is refused. Its own profile, so its mock cluster has the gvisor RuntimeClass that
 * {@link SandboxInputFailuresTest} needs absent.
 */
@QuarkusTest
@TestProfile(IptablesEnforcementTest.IptablesByDefault.class)
@WithKubernetesTestServer(crud = true, setup = MockCluster.class)
class IptablesEnforcementTest {

    public static class IptablesByDefault implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("agentsandbox.enforcement-mode", "iptables");
        }
    }

    @Inject
    KubernetesClient client;

    @Test
    void gvisorSandboxGetsNoEgressInitAndIsToldWhatItLoses() {
        OperatorTestSupport cluster = new OperatorTestSupport(client, "gvisor-fallback");
        client.resource(new RuntimeClassBuilder().withNewMetadata().withName("gvisor").endMetadata()
                .withHandler("runsc").build()).create();
        AgentSandbox gvisor = cluster.sandbox(TestSandboxes.minimal("on-gvisor"));
        gvisor.getSpec().setRuntimeClassName("gvisor");
        cluster.create(gvisor);
        cluster.create(cluster.sandbox(TestSandboxes.minimal("on-kata")));

        eventually().until(() -> cluster.pod("on-gvisor").isPresent() && cluster.pod("on-kata").isPresent());
        assertThat(initContainers(cluster, "on-gvisor")).containsExactly("egress-proxy", "trust-bundle");
        assertThat(initContainers(cluster, "on-kata")).containsExactly("egress-init", "egress-proxy", "trust-bundle");

        SandboxCondition egress = cluster.awaitCondition("on-gvisor", "EgressReady", "True", "NetworkPolicyOnly");
        assertThat(egress.message()).isEqualTo("RuntimeClass gvisor (handler runsc) cannot run iptables rules:"
                + " egress is enforced by the proxy and the NetworkPolicy only, so the agent could open its own"
                + " connections to public ports 80/443");
        cluster.awaitCondition("on-kata", "EgressReady", "True", "PolicyApplied");
        eventually().untilAsserted(() -> assertThat(warnings(cluster, "NetworkPolicyOnly")).singleElement()
                .satisfies(event -> {
                    assertThat(event.getInvolvedObject().getName()).isEqualTo("on-gvisor");
                    assertThat(event.getMessage()).isEqualTo(egress.message());
                }));

        cluster.markPodReady("on-gvisor");
        cluster.awaitCondition("on-gvisor", "Ready", "True", "PodReady");
        assertThat(warnings(cluster, "NetworkPolicyOnly")).as("once per transition, not per reconcile").hasSize(1);
    }

    @Test
    void aWeakerChoiceThanTheOperatorsIsRefusedWithoutAPod() {
        OperatorTestSupport cluster = new OperatorTestSupport(client, "weaker");
        AgentSandbox sandbox = cluster.sandbox(TestSandboxes.minimal("agent"));
        EgressSpec egress = new EgressSpec();
        egress.setEnforcement(EgressEnforcement.NETWORK_POLICY);
        sandbox.getSpec().setEgress(egress);
        cluster.create(sandbox);

        SandboxCondition refused = cluster.awaitCondition("agent", "EgressReady", "False",
                "WeakerEnforcementNotAllowed");
        assertThat(refused.message()).contains("spec.egress.enforcement NetworkPolicy")
                .contains("agentsandbox.allow-weaker-enforcement");
        cluster.awaitCondition("agent", "Ready", "False", "WeakerEnforcementNotAllowed");
        eventually().untilAsserted(() -> assertThat(warnings(cluster, "WeakerEnforcementNotAllowed")).hasSize(1));
        assertThat(cluster.get("agent").getStatus().getPhase()).isEqualTo(SandboxPhase.FAILED);
        assertThat(cluster.pod("agent")).isEmpty();

        cluster.edit("agent", s -> {
            s.getSpec().getEgress().setEnforcement(EgressEnforcement.IPTABLES);
            return s;
        });

        eventually().until(() -> cluster.pod("agent").isPresent());
        assertThat(initContainers(cluster, "agent")).first().isEqualTo("egress-init");
        cluster.awaitCondition("agent", "EgressReady", "True", "PolicyApplied");
    }

    private static List<String> initContainers(OperatorTestSupport cluster, String sandbox) {
        return cluster.pod(sandbox).orElseThrow().getSpec().getInitContainers().stream().map(Container::getName)
                .toList();
    }

    private static List<Event> warnings(OperatorTestSupport cluster, String reason) {
        return cluster.events().stream()
                .filter(e -> "Warning".equals(e.getType()) && reason.equals(e.getReason())).toList();
    }
}
