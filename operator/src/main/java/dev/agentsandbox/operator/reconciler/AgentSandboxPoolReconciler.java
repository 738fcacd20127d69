package dev.agentsandbox.operator.reconciler;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxPool;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxPoolStatus;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxTemplate;
import dev.agentsandbox.operator.config.OperatorConfig;
import dev.agentsandbox.operator.dependent.EgressNetworkPolicyDependentResource;
import dev.agentsandbox.operator.dependent.SandboxObjects;
import dev.agentsandbox.operator.dependent.WarmSlots;
import dev.agentsandbox.operator.plan.ClusterLookup;
import dev.agentsandbox.operator.plan.PoolRollout;
import dev.agentsandbox.operator.plan.SandboxPlan;
import dev.agentsandbox.operator.plan.SandboxPlanner;
import dev.agentsandbox.operator.status.CheckResult;
import dev.agentsandbox.operator.status.PoolStatusAggregator;
import dev.agentsandbox.operator.status.SandboxInputChecks;
import dev.agentsandbox.operator.status.AgentExits;
import dev.agentsandbox.operator.status.SandboxStatusAggregator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Keeps an AgentSandboxPool's warm pods (docs/architecture.md, "Warm pools"): for each missing slot its ConfigMap,
 * workspace claim, NetworkPolicy and pod, in that order, owned by the pool (the policy then by its pod, so that it
 * goes only with the pod); each unclaimed pod's policy is kept to the
 * template's rules (and made, for a pod of an operator that made one policy per pool); outdated and
 * surplus unclaimed pods are deleted as {@link PoolRollout} decides. A pod a sandbox claimed is no longer the pool's
 * (it lost the pool label and the pool's ownership in one write, see {@link WarmPodAdoption}); its slot is refilled,
 * and the slot's ConfigMap and claim, should no sandbox take them, are deleted ({@link StrandedSlots}).
 */
@ControllerConfiguration(name = AgentSandboxPoolReconciler.NAME)
public class AgentSandboxPoolReconciler implements Reconciler<AgentSandboxPool> {

    public static final String NAME = "agentsandboxpool";

    private static final Logger LOG = Logger.getLogger(AgentSandboxPoolReconciler.class);
    private static final KubernetesSerialization JSON = new KubernetesSerialization();
    private static final String SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

    private final SandboxPlanner planner;
    private final EventRecorder events;
    private final int maxReplicas;
    private final PoolRefills refills;
    private final SecureRandom random = new SecureRandom();
    private final Clock clock = Clock.systemUTC();

    @Inject
    public AgentSandboxPoolReconciler(SandboxPlanner planner, EventRecorder events, OperatorConfig config) {
        this.planner = planner;
        this.events = events;
        this.maxReplicas = config.pool().maxReplicas();
        this.refills = new PoolRefills(config.pool().refillDelay(), config.pool().refillDelayMax());
    }

    @Override
    public List<EventSource<?, AgentSandboxPool>> prepareEventSources(EventSourceContext<AgentSandboxPool> context) {
        return PoolWatches.eventSources(context);
    }

    @Override
    public UpdateControl<AgentSandboxPool> reconcile(AgentSandboxPool pool, Context<AgentSandboxPool> context) {
        String namespace = pool.getMetadata().getNamespace();
        String templateName = pool.getSpec().getTemplateRef().getName();
        ClusterLookup cluster = PoolWatches.lookup(context);
        Optional<AgentSandboxTemplate> template = cluster.template(namespace, templateName);
        int requested = pool.getSpec().getReplicas() == null ? 0 : pool.getSpec().getReplicas();
        int wanted = Math.min(requested, maxReplicas);

        Optional<CheckResult> blocked;
        List<Pod> pods = PoolWatches.unclaimedPods(context, pool);
        List<PoolRollout.Slot> slots = new ArrayList<>();
        PoolRollout.Decision decision;
        if (template.isEmpty()) {
            // No sandbox can adopt a pod of a template that is gone: the pool lets its unclaimed pods go.
            blocked = Optional.of(PoolStatusAggregator.templateMissing(namespace, templateName));
            pods.forEach(pod -> slots.add(new PoolRollout.Slot(pod.getMetadata().getName(), false,
                    SandboxStatusAggregator.podReady(pod))));
            decision = PoolRollout.decide(slots, 0, 0);
        } else {
            SandboxPlan templatePlan = planner.warmSlot(template.get(), namespace, pool.getMetadata().getName(),
                    cluster);
            blocked = SandboxInputChecks.check(templatePlan, planner.allowedRuntimeClasses(), cluster).stream()
                    .filter(c -> !c.passed()).findFirst();
            List<SlotPolicy> slotPolicies = new ArrayList<>();
            for (Pod pod : pods) {
                String slot = WarmSlots.slotOf(pod).orElse(pod.getMetadata().getName());
                SandboxPlan slotPlan = planner.warmSlot(template.get(), namespace, slot, cluster);
                boolean upToDate = Objects.equals(WarmSlots.specHash(pod), WarmSlots.specHash(
                        WarmSlots.pod(slotPlan, pool.getMetadata().getName())));
                // A warm pod whose agent ended (a template whose agent may not restart) serves no sandbox any more:
                // replaced, as an outdated one is.
                slots.add(new PoolRollout.Slot(pod.getMetadata().getName(), upToDate && !AgentExits.ended(pod),
                        SandboxStatusAggregator.podReady(pod)));
                WarmSlots.slotOf(pod).ifPresent(s -> slotPolicies.add(new SlotPolicy(pod,
                        WarmSlots.networkPolicy(slotPlan, pool.getMetadata().getName()))));
            }
            if (blocked.isPresent()) {
                // A template the cluster cannot run (a Secret missing) gets no new pod; its running ones stay.
                decision = new PoolRollout.Decision(0, List.of());
            } else {
                guardSlots(pool, slotPolicies, PoolWatches.policies(context, pool), context);
                decision = PoolRollout.decide(slots, wanted, Math.max(1, wanted / 4));
            }
        }

        ResourceID id = ResourceID.fromResource(pool);
        // Sandboxes just took pods: their adoptions get the API server first, the refill follows.
        Optional<Duration> held = decision.create() > 0 ? refills.hold(id, pods.size(), clock.instant())
                : Optional.empty();
        if (held.isPresent()) {
            LOG.debugf("AgentSandboxPool %s/%s: refill of %d held for %s", namespace, pool.getMetadata().getName(),
                    decision.create(), held.get());
            decision = new PoolRollout.Decision(0, decision.delete());
        }
        List<String> deleted = new ArrayList<>();
        for (String podName : decision.delete()) {
            pods.stream().filter(p -> p.getMetadata().getName().equals(podName)).findFirst()
                    .filter(pod -> deleteSlot(context.getClient(), pod)).ifPresent(pod -> deleted.add(podName));
        }
        for (int i = 0; i < decision.create(); i++) {
            createSlot(pool, template.orElseThrow(), cluster, context);
        }

        int ready = 0;
        int warming = 0;
        int updated = 0;
        for (PoolRollout.Slot slot : slots) {
            if (deleted.contains(slot.name())) {
                continue;
            }
            if (slot.ready()) {
                ready++;
            } else {
                warming++;
            }
            if (slot.upToDate()) {
                updated++;
            }
        }
        refills.left(id, pods.size() - deleted.size() + decision.create());
        refills.retain(other -> context.getPrimaryCache().get(other).isPresent());
        warming += decision.create();
        updated += decision.create();
        Set<String> unclaimedSlots = pods.stream().map(WarmSlots::slotOf).flatMap(Optional::stream)
                .collect(Collectors.toSet());
        boolean lookAgain = StrandedSlots.sweep(context.getClient(), namespace, pool.getMetadata().getName(),
                unclaimedSlots, PoolWatches.policies(context, pool).values(), clock.instant());
        AgentSandboxPoolStatus status = PoolStatusAggregator.aggregate(new PoolStatusAggregator.PoolInputs(
                        generationOf(pool), templateName, blocked, requested, maxReplicas, ready, warming, updated,
                        WarmSlots.selector(pool.getMetadata().getName())),
                pool.getStatus(), clock.instant());
        PoolStatusAggregator.newRefusal(pool.getStatus(), status)
                .ifPresent(refusal -> events.warning(pool, refusal.reason(), refusal.message()));
        UpdateControl<AgentSandboxPool> control;
        if (Objects.equals(status, pool.getStatus())) {
            control = UpdateControl.noUpdate();
        } else {
            pool.setStatus(status);
            control = UpdateControl.patchStatus(pool);
        }
        // Whichever comes first: the end of the refill's hold, or the next look at stranded slots.
        Optional<Duration> again = Stream.concat(held.stream(),
                        lookAgain ? Stream.of(StrandedSlots.GRACE) : Stream.<Duration>empty())
                .min(Comparator.naturalOrder());
        again.ifPresent(control::rescheduleAfter);
        return control;
    }

    /**
     * ConfigMap and claim before the pod, which mounts them, and the NetworkPolicy before the pod, which starts behind
     * it; all owned by the pool, so they go with it, except the policy, which the pod owns as soon as it exists
     * ({@link WarmSlots#ownedByPod}): it must outlive the pool for as long as the pod runs.
     */
    private void createSlot(AgentSandboxPool pool, AgentSandboxTemplate template, ClusterLookup cluster,
                            Context<AgentSandboxPool> context) {
        String slot = WarmSlots.slotName(pool.getMetadata().getName(), suffix());
        SandboxPlan plan = planner.warmSlot(template, pool.getMetadata().getNamespace(), slot, cluster);
        KubernetesClient client = context.getClient();
        client.resource(owned(WarmSlots.configMap(plan, pool.getMetadata().getName()), pool)).create();
        WarmSlots.claim(plan, pool.getMetadata().getName())
                .ifPresent(claim -> client.resource(owned(claim, pool)).create());
        NetworkPolicy policy = client.resource(owned(WarmSlots.networkPolicy(plan, pool.getMetadata().getName()),
                pool)).create();
        PoolWatches.written(context, policy);
        Pod pod = client.resource(owned(WarmSlots.pod(plan, pool.getMetadata().getName()), pool)).create();
        PoolWatches.written(context, pod);
        ownByPod(policy, pod, context);
    }

    /** The policy's ownership given to its pod (a crash before it: the next reconcile's {@link #guardSlots}). */
    private static void ownByPod(NetworkPolicy policy, Pod pod, Context<AgentSandboxPool> context) {
        NetworkPolicy written = MergePatches.patch(context.getClient(), policy, JSON.asJson(Map.of("metadata",
                Map.of("ownerReferences", List.of(WarmSlots.podOwner(pod))))));
        PoolWatches.written(context, written);
    }

    /** An unclaimed pod and the policy its slot should have. */
    private record SlotPolicy(Pod pod, NetworkPolicy policy) {
    }

    /**
     * Each unclaimed pod's policy as the template says (its rules follow the template, as the sandbox's own follow
     * its spec); a pod an older operator warmed, which only its pool-wide policy selected, gets its slot's policy
     * here, and that pool-wide policy goes once no unclaimed pod needs it. A sandbox adopts only a pod whose slot
     * policy exists ({@link WarmPodAdoption}).
     */
    private static void guardSlots(AgentSandboxPool pool, List<SlotPolicy> wanted,
                                   Map<String, NetworkPolicy> actual, Context<AgentSandboxPool> context) {
        KubernetesClient client = context.getClient();
        boolean everyPodGuarded = true;
        for (SlotPolicy slot : wanted) {
            Pod pod = slot.pod();
            NetworkPolicy policy = slot.policy();
            NetworkPolicy existing = actual.get(policy.getMetadata().getName());
            try {
                if (existing == null) {
                    PoolWatches.written(context, client.resource(WarmSlots.ownedByPod(policy, pod)).create());
                } else {
                    if (!EgressNetworkPolicyDependentResource.sameRules(existing, policy)) {
                        client.resource(existing).edit(current -> {
                            current.setSpec(policy.getSpec());
                            return current;
                        });
                    }
                    if (!WarmSlots.policyOwnedBy(existing, pod)) {
                        ownByPod(existing, pod, context);
                    }
                }
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // Made a moment ago, or changed by someone since the cache saw it: the event brings it back here.
                LOG.debugf("NetworkPolicy %s/%s: %s", pool.getMetadata().getNamespace(),
                        policy.getMetadata().getName(), e.getMessage());
                everyPodGuarded = false;
            }
        }
        String legacy = WarmSlots.legacyPoolPolicyName(pool.getMetadata().getName());
        if (everyPodGuarded && actual.containsKey(legacy)) {
            LOG.infof("Deleting NetworkPolicy %s/%s: each warm pod of the pool has its slot's policy",
                    pool.getMetadata().getNamespace(), legacy);
            client.resource(actual.get(legacy)).delete();
        }
    }

    /**
     * Deletes an unclaimed pod only if it is still as the pool saw it: a sandbox that claimed it in the meantime
     * changed its resourceVersion, and the deletion is refused (409) rather than taking the sandbox's pod. Its
     * ConfigMap and claim go after it; its NetworkPolicy, the pod's, only once the pod is gone, as a pod
     * runs on for its grace period.
     */
    private static boolean deleteSlot(KubernetesClient client, Pod pod) {
        String namespace = pod.getMetadata().getNamespace();
        try {
            client.pods().inNamespace(namespace).withName(pod.getMetadata().getName())
                    .lockResourceVersion(pod.getMetadata().getResourceVersion()).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                LOG.debugf("Not deleting pod %s/%s: it changed (claimed?)", namespace, pod.getMetadata().getName());
                return false;
            }
            throw e;
        }
        WarmSlots.slotOf(pod).ifPresent(slot -> {
            client.configMaps().inNamespace(namespace).withName(SandboxObjects.configMapName(slot)).delete();
            client.persistentVolumeClaims().inNamespace(namespace)
                    .withName(SandboxObjects.workspaceClaimName(slot)).delete();
        });
        return true;
    }

    private static <T extends HasMetadata> T owned(T object, AgentSandboxPool pool) {
        OwnerReference owner = new OwnerReferenceBuilder().withApiVersion(pool.getApiVersion())
                .withKind(pool.getKind()).withName(pool.getMetadata().getName()).withUid(pool.getMetadata().getUid())
                .withController(true).withBlockOwnerDeletion(true).build();
        object.getMetadata().setOwnerReferences(List.of(owner));
        return object;
    }

    private String suffix() {
        StringBuilder suffix = new StringBuilder(5);
        for (int i = 0; i < 5; i++) {
            suffix.append(SUFFIX_ALPHABET.charAt(random.nextInt(SUFFIX_ALPHABET.length())));
        }
        return suffix.toString();
    }

    private static long generationOf(AgentSandboxPool pool) {
        Long generation = pool.getMetadata().getGeneration();
        return generation == null ? 0 : generation;
    }
}
