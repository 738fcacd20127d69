package dev.agentsandbox.operator.it;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;
import dev.agentsandbox.operator.dependent.SandboxObjects;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.ControlPlaneExtension;
import dev.agentsandbox.operator.testing.EmbeddedControlPlane;
import dev.agentsandbox.operator.testing.OperatorProcess;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.agentsandbox.operator.it.Sandboxes.CONVERGENCE;
import static dev.agentsandbox.operator.testing.ClusterFixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * NetworkPolicies add up (issue 12 item 7): against the real API server, a policy someone else writes that selects a
 * sandbox's pod and allows egress turns its EgressReady False, naming the policy, with a Warning Event; deleting it
 * turns EgressReady True again. The packaged operator sees both through its NetworkPolicy watch, with no change to
 * the sandbox.
 */
@ExtendWith(ControlPlaneExtension.class)
class WideningNetworkPolicyIT {

    private static KubernetesClient client;
    private static OperatorProcess operator;

    @BeforeAll
    static void startOperator(EmbeddedControlPlane plane) {
        assumeTrue(plane.isComplete(), plane.binaries().whyIncomplete());
        client = plane.client();
        ClusterFixtures.prepareForOperator(client);
        operator = OperatorProcess.start(plane, "operator-widening", Map.of());
    }

    @AfterAll
    static void stopOperator() {
        if (operator != null) {
            operator.close();
        }
    }

    @Test
    void aPolicyThatOpensTheSandboxsEgressIsReportedUntilItIsDeleted() {
        String namespace = ClusterFixtures.freshNamespace(client, "widened");
        Sandboxes.apply(client, namespace, "agent");
        Sandboxes.awaitReady(client, namespace, "agent");

        // What users were bitten by: a namespace-wide "let my apps reach the internal API" policy.
        NetworkPolicy widening = new NetworkPolicyBuilder()
                .withNewMetadata().withName("team-internal-api").withNamespace(namespace).endMetadata()
                .withNewSpec().withNewPodSelector().endPodSelector().withPolicyTypes("Egress")
                .addNewEgress().addNewTo().withNewIpBlock().withCidr("10.0.0.0/8").endIpBlock().endTo().endEgress()
                .endSpec().build();
        // And one that selects other pods only: not reported.
        NetworkPolicy elsewhere = new NetworkPolicyBuilder(widening).editMetadata().withName("web-egress")
                .endMetadata().editSpec().withNewPodSelector().addToMatchLabels("app", "web").endPodSelector()
                .endSpec().build();
        client.resource(elsewhere).create();
        client.resource(widening).create();

        eventually(CONVERGENCE).untilAsserted(() -> assertThat(egressReady(namespace)).hasValueSatisfying(c -> {
            assertThat(c.status()).isEqualTo(SandboxCondition.FALSE);
            assertThat(c.reason()).isEqualTo("EgressWidened");
            assertThat(c.message()).contains("team-internal-api").doesNotContain("web-egress")
                    .doesNotContain(SandboxObjects.networkPolicyName("agent"));
        }));
        eventually(CONVERGENCE).untilAsserted(() -> assertThat(events(namespace)).anySatisfy(event -> {
            assertThat(event.getType()).isEqualTo("Warning");
            assertThat(event.getReason()).isEqualTo("EgressWidened");
            assertThat(event.getMessage()).contains("team-internal-api");
            assertThat(event.getInvolvedObject().getKind()).isEqualTo(AgentSandbox.KIND);
            assertThat(event.getInvolvedObject().getName()).isEqualTo("agent");
        }));

        client.resource(widening).delete();

        eventually(CONVERGENCE).untilAsserted(() -> assertThat(egressReady(namespace)).hasValueSatisfying(c -> {
            assertThat(c.status()).isEqualTo(SandboxCondition.TRUE);
            assertThat(c.reason()).isEqualTo("PolicyApplied");
        }));
        eventually(CONVERGENCE).untilAsserted(() -> assertThat(events(namespace))
                .anySatisfy(event -> assertThat(event.getReason()).isEqualTo("EgressNarrowed")));
        Sandboxes.assertReady(client, namespace, "agent");
    }

    private static Optional<SandboxCondition> egressReady(String namespace) {
        AgentSandbox sandbox = Sandboxes.sandbox(client, namespace, "agent").get();
        return sandbox.getStatus() == null ? Optional.empty() : sandbox.getStatus().getConditions().stream()
                .filter(c -> c.type().equals("EgressReady")).findFirst();
    }

    private static List<Event> events(String namespace) {
        return client.v1().events().inNamespace(namespace).list().getItems();
    }
}
