package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxSpec;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxTemplate;
import dev.agentsandbox.operator.api.v1alpha1.LifecycleSpec;
import dev.agentsandbox.operator.api.v1alpha1.ModelSpec;
import dev.agentsandbox.operator.api.v1alpha1.TemplateRef;
import dev.agentsandbox.operator.api.v1alpha1.WorkspaceSpec;
import dev.agentsandbox.operator.plan.SandboxPlan;
import dev.agentsandbox.operator.plan.TemplateMerge;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A warm slot's objects are the objects the adopting sandbox would have made, relabelled for the pool. */
class WarmSlotsTest {

    private static final String POOL = "python-pool";
    private static final String SLOT = "python-pool-x7k2q";

    private static AgentSandboxTemplate template() {
        AgentSandboxTemplate template = new AgentSandboxTemplate();
        template.setMetadata(new ObjectMetaBuilder().withName("python-agent").withNamespace("team-a").build());
        AgentSandboxSpec spec = TestSandboxes.full("ignored").getSpec();
        WorkspaceSpec workspace = new WorkspaceSpec();
        workspace.setSize(new io.fabric8.kubernetes.api.model.Quantity("1Gi"));
        spec.setWorkspace(workspace);
        template.setSpec(spec);
        return template;
    }

    /** What the pool reconciler builds a slot from: the template as a sandbox named after the slot. */
    private static SandboxPlan slotPlan(String slot) {
        AgentSandbox named = TestSandboxes.minimal("team-a", slot);
        named.setSpec(null);
        return TestSandboxes.plan(TemplateMerge.effective(named, template()));
    }

    /** A sandbox of the template with its own budget and lifecycle, after adopting the slot. */
    private static SandboxPlan adopterPlan() {
        AgentSandbox sandbox = TestSandboxes.minimal("team-a", "my-agent");
        AgentSandboxSpec spec = new AgentSandboxSpec();
        spec.setTemplateRef(new TemplateRef("python-agent"));
        ModelSpec budget = new ModelSpec();
        budget.setTokenBudget(1_000L);
        spec.setModel(budget);
        LifecycleSpec lifecycle = new LifecycleSpec();
        lifecycle.setIdleTimeout("10m");
        spec.setLifecycle(lifecycle);
        sandbox.setSpec(spec);
        return TestSandboxes.plan(TemplateMerge.effective(sandbox, template())).withObjectBase(SLOT);
    }

    @Test
    void theWarmPodIsExactlyThePodTheAdoptingSandboxWants() {
        Pod warm = WarmSlots.pod(slotPlan(SLOT), POOL);
        Pod wanted = new SandboxPodDependentResource().desired(adopterPlan());

        assertThat(warm.getMetadata().getName()).isEqualTo(wanted.getMetadata().getName())
                .isEqualTo(SLOT + "-sandbox");
        assertThat(warm.getSpec()).isEqualTo(wanted.getSpec());
        assertThat(WarmSlots.specHash(warm)).isNotNull().isEqualTo(WarmSlots.specHash(wanted));
    }

    @Test
    void aPodOfAnotherSlotOrAnotherTemplateIsNotTheSandboxsPod() {
        Pod otherSlot = WarmSlots.pod(slotPlan(POOL + "-other"), POOL);
        AgentSandboxTemplate changed = template();
        changed.getSpec().getAgent().setImage("registry.test/agent:2");
        AgentSandbox named = TestSandboxes.minimal("team-a", SLOT);
        named.setSpec(null);
        Pod otherTemplate = WarmSlots.pod(TestSandboxes.plan(TemplateMerge.effective(named, changed)), POOL);
        String wanted = WarmSlots.specHash(new SandboxPodDependentResource().desired(adopterPlan()));

        assertThat(WarmSlots.specHash(otherSlot)).isNotEqualTo(wanted);
        assertThat(WarmSlots.specHash(otherTemplate)).isNotEqualTo(wanted);
    }

    @Test
    void slotObjectsCarryThePoolAndSlotLabelsAndNoSandboxLabel() {
        SandboxPlan slot = slotPlan(SLOT);
        Pod pod = WarmSlots.pod(slot, POOL);
        ConfigMap configMap = WarmSlots.configMap(slot, POOL);

        for (var object : java.util.List.of(pod, configMap, WarmSlots.claim(slot, POOL).orElseThrow())) {
            assertThat(object.getMetadata().getLabels())
                    .containsEntry(SandboxObjects.MANAGED_BY_LABEL, SandboxObjects.MANAGED_BY)
                    .containsEntry(WarmSlots.POOL_LABEL, POOL)
                    .containsEntry(WarmSlots.SLOT_LABEL, SLOT)
                    .doesNotContainKey(SandboxObjects.SANDBOX_LABEL);
        }
        assertThat(configMap.getMetadata().getName()).isEqualTo(SLOT + "-sidecar");
        assertThat(WarmSlots.slotOf(pod)).contains(SLOT);
    }

    @Test
    void theAdoptersConfigMapReplacesOnlyTheBudgetInTheSlotsConfigMap() {
        ConfigMap warm = WarmSlots.configMap(slotPlan(SLOT), POOL);
        ConfigMap adopted = new SidecarConfigMapDependentResource().desired(adopterPlan());

        assertThat(adopted.getMetadata().getName()).isEqualTo(warm.getMetadata().getName());
        assertThat(adopted.getData().get("proxy.json")).isEqualTo(warm.getData().get("proxy.json"));
        assertThat(adopted.getData().get("bridge.json")).contains("1000").isNotEqualTo(warm.getData().get("bridge.json"));
    }

    @Test
    void aTemplateWithoutAClaimedWorkspaceHasNoSlotClaim() {
        AgentSandbox named = TestSandboxes.minimal("team-a", SLOT);
        assertThat(WarmSlots.claim(TestSandboxes.plan(named), POOL)).isEmpty();
    }

    @Test
    void theSlotsPolicyIsExactlyThePolicyTheAdoptingSandboxWantsAndSelectsTheSlotsPodForGood() {
        NetworkPolicy slot = WarmSlots.networkPolicy(slotPlan(SLOT), POOL);
        NetworkPolicy adopter = new EgressNetworkPolicyDependentResource().desired(adopterPlan());

        assertThat(slot.getMetadata().getName()).isEqualTo(SLOT + "-egress")
                .isEqualTo(adopter.getMetadata().getName());
        assertThat(slot.getSpec()).isEqualTo(adopter.getSpec());
        assertThat(EgressNetworkPolicyDependentResource.sameRules(slot, adopter)).isTrue();
        assertThat(slot.getSpec().getPodSelector().getMatchLabels())
                .containsExactly(java.util.Map.entry(WarmSlots.SLOT_LABEL, SLOT));
        assertThat(slot.getMetadata().getLabels()).containsEntry(WarmSlots.POOL_LABEL, POOL)
                .containsEntry(WarmSlots.SLOT_LABEL, SLOT).doesNotContainKey(SandboxObjects.SANDBOX_LABEL);
        // The slot's pod carries the label the policy selects, before and after its claim.
        assertThat(WarmSlots.pod(slotPlan(SLOT), POOL).getMetadata().getLabels())
                .containsEntry(WarmSlots.SLOT_LABEL, SLOT);
    }

    @Test
    void aSandboxThatAdoptedNothingKeepsSelectingItsOwnLabel() {
        AgentSandbox sandbox = TestSandboxes.minimal("team-a", "cold");
        sandbox.setSpec(template().getSpec());
        NetworkPolicy cold = new EgressNetworkPolicyDependentResource().desired(TestSandboxes.plan(sandbox));

        assertThat(cold.getMetadata().getName()).isEqualTo("cold-egress");
        assertThat(cold.getSpec().getPodSelector().getMatchLabels())
                .containsExactly(java.util.Map.entry(SandboxObjects.SANDBOX_LABEL, "cold"));
    }

    @Test
    void slotNamesStayValidLabelValuesForLongPoolNames() {
        String slot = WarmSlots.slotName("p".repeat(63), "x7k2q");

        assertThat(slot).hasSizeLessThanOrEqualTo(63).endsWith("-x7k2q");
    }
}
