package dev.agentsandbox.operator.reconciler;

import dev.agentsandbox.operator.dependent.SandboxObjects;
import dev.agentsandbox.operator.dependent.WarmSlots;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which sandboxes' pods a NetworkPolicy may select, as the reconciler narrows its look at a namespace's policies (and
 * the sandboxes a policy's change wakes): a policy pinned to one sandbox's label reaches that sandbox alone.
 */
class PolicyScopeTest {

    private static NetworkPolicy policy(Map<String, String> matchLabels) {
        return new NetworkPolicyBuilder().withNewMetadata().withName("p").withNamespace("team-a").endMetadata()
                .withNewSpec().withNewPodSelector().withMatchLabels(matchLabels).endPodSelector()
                .withPolicyTypes("Egress").endSpec().build();
    }

    @Test
    void theOperatorsOwnPolicyReachesItsSandboxOnly() {
        NetworkPolicy own = policy(SandboxObjects.labels("s-1"));

        assertThat(ReferenceWatches.selectedSandbox(own)).contains("s-1");
        assertThat(ReferenceWatches.policyScope(own)).isEqualTo("team-a/s-1");
    }

    @Test
    void aPolicyPinnedToASandboxLabelReachesThatSandboxWhoeverWroteIt() {
        NetworkPolicy pinned = policy(Map.of(SandboxObjects.SANDBOX_LABEL, "s-2", "team", "x"));

        assertThat(ReferenceWatches.policyScope(pinned)).isEqualTo("team-a/s-2");
    }

    @Test
    void aWarmSlotsPolicyReachesNoSandboxButTheOneThatAdoptedTheSlot() {
        NetworkPolicy slot = policy(Map.of(WarmSlots.SLOT_LABEL, "warm-x7k2q"));

        assertThat(ReferenceWatches.selectedSlot(slot)).contains("warm-x7k2q");
        assertThat(ReferenceWatches.policyScope(slot)).isEqualTo("team-a/slot:warm-x7k2q");
    }

    @Test
    void anyOtherPolicyMaySelectEverySandboxOfItsNamespace() {
        assertThat(ReferenceWatches.policyScope(policy(Map.of()))).isEqualTo("team-a/*");
        assertThat(ReferenceWatches.policyScope(policy(Map.of("app", "agent")))).isEqualTo("team-a/*");
        NetworkPolicy noSelector = new NetworkPolicyBuilder().withNewMetadata().withName("q").withNamespace("team-a")
                .endMetadata().build();
        assertThat(ReferenceWatches.selectedSandbox(noSelector)).isEmpty();
        assertThat(ReferenceWatches.policyScope(noSelector)).isEqualTo("team-a/*");
    }
}
