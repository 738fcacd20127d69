package dev.agentsandbox.operator.it;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import dev.agentsandbox.operator.dependent.SandboxObjects;
import dev.agentsandbox.operator.dependent.WarmSlots;
import dev.agentsandbox.operator.status.WarmStart;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.ControlPlaneExtension;
import dev.agentsandbox.operator.testing.EmbeddedControlPlane;
import dev.agentsandbox.operator.testing.OperatorProcess;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static dev.agentsandbox.operator.it.Sandboxes.CONVERGENCE;
import static dev.agentsandbox.operator.testing.ClusterFixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The operator crashes while sandboxes adopt warm pods, and a pod is claimed but its adoption not finished (the
 * state a crash between the claim and the transfer of the slot's ConfigMap and NetworkPolicy leaves, with or without
 * the sandbox's annotation or some of the transfers: those writes go at once, in the reconcile after the claim's);
 * the successor finishes every adoption: each sandbox Ready with a pod of its own, no pod claimed twice, every claimed
 * slot wholly the sandbox's, each pod selected by its slot's policy.
 */
@ExtendWith(ControlPlaneExtension.class)
class WarmPoolCrashIT {

    private static final int SANDBOXES = 20;
    private static final int WARM = 25;
    private static final Logger LOG = Logger.getLogger(WarmPoolCrashIT.class);

    @Test
    void aCrashMidAdoptionConvergesWithOnePodPerSandboxAndEveryClaimFinished(EmbeddedControlPlane plane) {
        assumeTrue(plane.isComplete(), plane.binaries().whyIncomplete());
        KubernetesClient client = plane.client();
        ClusterFixtures.prepareForOperator(client);
        String namespace = ClusterFixtures.freshNamespace(client, "pool-crash");
        Pools.template(client, namespace, "python", "registry.test/agent:1");
        List<String> names = IntStream.range(0, SANDBOXES).mapToObj(i -> "agent-" + i).toList();

        int claimedAtCrash;
        // One reconcile at a time, so that the crash lands while most adoptions are still to come.
        try (OperatorProcess first = OperatorProcess.start(plane, "operator-before-pool-crash",
                Map.of("quarkus.operator-sdk.concurrent-reconciliation-threads", "1",
                        ShortLease.SETTING, ShortLease.DURATION))) {
            Pools.pool(client, namespace, "warm", "python", WARM);
            eventually(CONVERGENCE).until(() -> Pools.readyReplicas(client, namespace, "warm") == WARM);
            names.forEach(name -> Sandboxes.apply(client, Pools.templated(namespace, name, "python")));
            eventually(CONVERGENCE).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
                    .until(() -> claimed(client, namespace) > 0);
            first.crash();
            claimedAtCrash = claimed(client, namespace);
        }
        LOG.infof("crashed the operator with %d of %d warm pods claimed", claimedAtCrash, SANDBOXES);
        assertThat(claimedAtCrash).as("claimed pods when the operator crashed").isBetween(1, SANDBOXES - 1);

        // The state a crash right after the claim leaves: the pod is the sandbox's, its ConfigMap still the pool's,
        // the sandbox not yet annotated.
        AgentSandbox handmade = Sandboxes.apply(client, Pools.templated(namespace, "claimed-by-hand", "python"));
        Pod warm = Pools.unclaimed(client, namespace, "warm").stream().filter(p -> Boolean.TRUE.equals(
                p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType())
                        && "True".equals(c.getStatus())))).findFirst().orElseThrow();
        claimByHand(client, warm, handmade);
        // The state a crash leaves when the annotation was written before the ConfigMap's transfer (they are sent at
        // once): the sandbox names its slot, the slot's ConfigMap is still the pool's.
        AgentSandbox annotated = Sandboxes.apply(client, Pools.templated(namespace, "annotated-by-hand", "python"));
        Pod secondWarm = Pools.unclaimed(client, namespace, "warm").stream().filter(p -> p.getStatus()
                .getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
                .findFirst().orElseThrow();
        claimByHand(client, secondWarm, annotated);
        client.resources(AgentSandbox.class).inNamespace(namespace).withName("annotated-by-hand")
                .patch(PatchContext.of(PatchType.JSON_MERGE), new KubernetesSerialization().asJson(Map.of("metadata",
                        Map.of("annotations", Map.of(WarmStart.SLOT_ANNOTATION,
                                WarmSlots.slotOf(secondWarm).orElseThrow())))));

        // The state a crash leaves when the policy's transfer landed and the ConfigMap's did not.
        AgentSandbox transferred = Sandboxes.apply(client, Pools.templated(namespace, "policy-by-hand", "python"));
        Pod thirdWarm = Pools.unclaimed(client, namespace, "warm").stream().filter(p -> p.getStatus()
                .getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
                .findFirst().orElseThrow();
        claimByHand(client, thirdWarm, transferred);
        client.network().v1().networkPolicies().inNamespace(namespace)
                .withName(SandboxObjects.networkPolicyName(WarmSlots.slotOf(thirdWarm).orElseThrow()))
                .patch(PatchContext.of(PatchType.JSON_MERGE), ownership(transferred));

        try (OperatorProcess second = OperatorProcess.start(plane, "operator-after-pool-crash",
                Map.of(ShortLease.SETTING, ShortLease.DURATION))) {
            List<String> all = new java.util.ArrayList<>(names);
            all.add("claimed-by-hand");
            all.add("annotated-by-hand");
            all.add("policy-by-hand");
            eventually(CONVERGENCE.multipliedBy(2)).untilAsserted(() -> assertThat(all).allSatisfy(name ->
                    assertThat(Sandboxes.sandbox(client, namespace, name).get().getStatus().getPhase())
                            .as(name).isEqualTo(SandboxPhase.READY)));

            // Ready comes with the claim; the takeover of the slot's objects follows (later during a burst).
            eventually(CONVERGENCE).untilAsserted(() -> {
                Set<String> pods = new HashSet<>();
                for (String name : all) {
                    AgentSandbox sandbox = Sandboxes.sandbox(client, namespace, name).get();
                    Pod pod = Pools.podOf(client, namespace, name);
                    assertThat(pod).as("exactly one pod for %s", name).isNotNull();
                    assertThat(pods.add(pod.getMetadata().getName())).as("%s shares its pod", name).isTrue();
                    assertThat(pod.getMetadata().getOwnerReferences()).singleElement()
                            .satisfies(o -> assertThat(o.getUid()).isEqualTo(sandbox.getMetadata().getUid()));
                    WarmSlots.slotOf(pod).ifPresent(slot -> {
                        ConfigMap configMap = client.configMaps().inNamespace(namespace)
                                .withName(SandboxObjects.configMapName(slot)).get();
                        assertThat(configMap.getMetadata().getOwnerReferences()).as("ConfigMap of %s", name)
                                .singleElement().satisfies(o -> assertThat(o.getUid())
                                        .isEqualTo(sandbox.getMetadata().getUid()));
                        assertThat(sandbox.getMetadata().getAnnotations())
                                .containsEntry(WarmStart.SLOT_ANNOTATION, slot);
                        NetworkPolicy policy = client.network().v1().networkPolicies().inNamespace(namespace)
                                .withName(SandboxObjects.networkPolicyName(slot)).get();
                        assertThat(policy.getMetadata().getOwnerReferences()).as("NetworkPolicy of %s", name)
                                .singleElement().satisfies(o -> assertThat(o.getUid())
                                        .isEqualTo(sandbox.getMetadata().getUid()));
                        assertThat(policy.getSpec().getPodSelector().getMatchLabels())
                                .containsExactly(Map.entry(WarmSlots.SLOT_LABEL, slot));
                    });
                }
            });
            AgentSandbox finished = Sandboxes.sandbox(client, namespace, "claimed-by-hand").get();
            assertThat(finished.getStatus().getPodName()).isEqualTo(warm.getMetadata().getName());
            assertThat(client.pods().inNamespace(namespace).list().getItems())
                    .allSatisfy(pod -> assertThat(pod.getMetadata().getOwnerReferences()).hasSize(1));
            eventually(CONVERGENCE).until(() -> Pools.readyReplicas(client, namespace, "warm") == WARM);
        }
    }

    /**
     * A sandbox deleted between its claim of a warm pod and the transfer of the slot's ConfigMap and NetworkPolicy:
     * the pod goes with the sandbox (garbage collection), and the ConfigMap and policy, still labelled and owned by the
     * pool, are deleted by the pool rather than kept as long as the pool lives. And a warm pod of an operator before
     * per-slot policies (only the pool-wide policy selects it) gets its slot's policy, after which the pool-wide one
     * goes.
     */
    @Test
    void aSandboxDeletedMidAdoptionLeavesNothingOfItsSlotToThePool(EmbeddedControlPlane plane) {
        assumeTrue(plane.isComplete(), plane.binaries().whyIncomplete());
        KubernetesClient client = plane.client();
        ClusterFixtures.prepareForOperator(client);
        String namespace = ClusterFixtures.freshNamespace(client, "pool-gone");
        Pools.template(client, namespace, "python", "registry.test/agent:1");
        Pod warm;
        try (OperatorProcess first = OperatorProcess.start(plane, "operator-before-sandbox-gone",
                Map.of(ShortLease.SETTING, ShortLease.DURATION))) {
            Pools.pool(client, namespace, "warm", "python", 2);
            eventually(CONVERGENCE).until(() -> Pools.readyReplicas(client, namespace, "warm") == 2);
            warm = Pools.unclaimed(client, namespace, "warm").get(0);
        }
        String slot = WarmSlots.slotOf(warm).orElseThrow();
        // With no operator running, the other warm pod as an older operator left it: no policy of its slot, one
        // policy for the whole pool.
        Pod older = Pools.unclaimed(client, namespace, "warm").stream()
                .filter(p -> !p.getMetadata().getName().equals(warm.getMetadata().getName())).findFirst().orElseThrow();
        String olderSlot = WarmSlots.slotOf(older).orElseThrow();
        NetworkPolicy slotPolicy = client.network().v1().networkPolicies().inNamespace(namespace)
                .withName(SandboxObjects.networkPolicyName(olderSlot)).get();
        client.resource(slotPolicy).delete();
        NetworkPolicy poolWide = new NetworkPolicyBuilder(slotPolicy).editMetadata()
                .withName(WarmSlots.legacyPoolPolicyName("warm")).withResourceVersion(null).withUid(null)
                .withCreationTimestamp(null).withManagedFields(List.of())
                .withLabels(Map.of(SandboxObjects.MANAGED_BY_LABEL, SandboxObjects.MANAGED_BY, WarmSlots.POOL_LABEL,
                        "warm")).endMetadata()
                .editSpec().withPodSelector(new LabelSelectorBuilder().withMatchLabels(Map.of(WarmSlots.POOL_LABEL,
                        "warm")).build()).endSpec().build();
        client.resource(poolWide).create();
        // With no operator running, the state a sandbox deleted right after its claim leaves.
        AgentSandbox doomed = Sandboxes.apply(client, Pools.templated(namespace, "doomed", "python"));
        claimByHand(client, warm, doomed);
        Sandboxes.sandbox(client, namespace, "doomed").delete();
        eventually(CONVERGENCE).untilAsserted(() -> assertThat(client.pods().inNamespace(namespace)
                .withName(warm.getMetadata().getName()).get()).as("the claimed pod, after its sandbox").isNull());
        assertThat(client.configMaps().inNamespace(namespace).withName(SandboxObjects.configMapName(slot)).get()
                .getMetadata().getLabels()).containsEntry(WarmSlots.POOL_LABEL, "warm");

        try (OperatorProcess second = OperatorProcess.start(plane, "operator-after-sandbox-gone",
                Map.of(ShortLease.SETTING, ShortLease.DURATION))) {
            eventually(CONVERGENCE).untilAsserted(() -> {
                assertThat(client.configMaps().inNamespace(namespace).withName(SandboxObjects.configMapName(slot))
                        .get()).as("the stranded slot's ConfigMap").isNull();
                assertThat(client.network().v1().networkPolicies().inNamespace(namespace)
                        .withName(SandboxObjects.networkPolicyName(slot)).get()).as("the stranded slot's policy")
                        .isNull();
                assertThat(client.network().v1().networkPolicies().inNamespace(namespace)
                        .withName(WarmSlots.legacyPoolPolicyName("warm")).get()).as("the pool-wide policy").isNull();
                // Unless the pool replaced it meanwhile (an operator's settings can change the pods it wants).
                if (client.pods().inNamespace(namespace).withName(older.getMetadata().getName()).get() != null) {
                    assertThat(client.network().v1().networkPolicies().inNamespace(namespace)
                            .withName(SandboxObjects.networkPolicyName(olderSlot)).get())
                            .as("the older warm pod's slot policy").isNotNull();
                }
                assertThat(Pools.readyReplicas(client, namespace, "warm")).isEqualTo(2);
            });
            // The pool's own slots keep their ConfigMaps and policies.
            for (Pod unclaimed : Pools.unclaimed(client, namespace, "warm")) {
                String kept = WarmSlots.slotOf(unclaimed).orElseThrow();
                assertThat(client.configMaps().inNamespace(namespace).withName(SandboxObjects.configMapName(kept))
                        .get()).isNotNull();
                assertThat(client.network().v1().networkPolicies().inNamespace(namespace)
                        .withName(SandboxObjects.networkPolicyName(kept)).get()).isNotNull();
            }
        }
    }

    private static int claimed(KubernetesClient client, String namespace) {
        return (int) client.pods().inNamespace(namespace).withLabel(SandboxObjects.SANDBOX_LABEL).list().getItems()
                .stream().filter(p -> WarmSlots.slotOf(p).isPresent()).count();
    }

    /** The claim as the operator writes it: the sandbox's label and ownership instead of the pool's. */
    private static void claimByHand(KubernetesClient client, Pod pod, AgentSandbox sandbox) {
        client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                .patch(PatchContext.of(PatchType.JSON_MERGE), ownership(sandbox));
    }

    /** The merge patch of a claim or a transfer: the sandbox's label and ownership instead of the pool's. */
    private static String ownership(AgentSandbox sandbox) {
        Map<String, Object> labels = new LinkedHashMap<>();
        labels.put(WarmSlots.POOL_LABEL, null);
        labels.put(SandboxObjects.SANDBOX_LABEL, sandbox.getMetadata().getName());
        Map<String, Object> metadata = Map.of("labels", labels, "ownerReferences", List.of(
                new OwnerReferenceBuilder().withApiVersion(sandbox.getApiVersion()).withKind(sandbox.getKind())
                        .withName(sandbox.getMetadata().getName()).withUid(sandbox.getMetadata().getUid())
                        .withController(true).withBlockOwnerDeletion(true).build()));
        return new KubernetesSerialization().asJson(Map.of("metadata", metadata));
    }
}
