package dev.agentsandbox.operator.reconciler;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxPool;
import dev.agentsandbox.operator.dependent.EgressNetworkPolicyDependentResource;
import dev.agentsandbox.operator.dependent.SandboxObjects;
import dev.agentsandbox.operator.dependent.SandboxPodDependentResource;
import dev.agentsandbox.operator.dependent.SidecarConfigMapDependentResource;
import dev.agentsandbox.operator.dependent.WorkspaceClaimDependentResource;
import dev.agentsandbox.operator.dependent.WarmSlots;
import dev.agentsandbox.operator.plan.SandboxPlan;
import dev.agentsandbox.operator.status.SandboxStatusAggregator;
import dev.agentsandbox.operator.status.WarmStart;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * A new sandbox of a template takes a ready pod of one of the template's pools (docs/architecture.md, "Warm pools").
 *
 * <p>The claim is one write to the pod, guarded by the resourceVersion the operator saw: it gives the pod the
 * sandbox's label and ownership and takes the pool's label and ownership away. Two sandboxes that pick the same pod
 * race on the API server, which accepts the first write and refuses the second (409); the loser tries another pod.
 * This operator's own adoptions do not race each other: each reserves its pod in memory first
 * ({@link WarmPodReservations}), so in a burst a claim rarely meets a 409 and costs one write, not several.
 * The pod's NetworkPolicy is its slot's, made by the pool before the pod and selecting the slot's label, which the
 * claim leaves on the pod: the sandbox's own policy is that same object, so no policy is written on the way and the
 * pod is never without one. The claim is all the adoption's reconcile writes before the status: the slot's
 * ConfigMap, workspace claim and NetworkPolicy become the sandbox's, and the sandbox is annotated with the slot, in
 * the reconcile that follows ({@link #finish}), which also finishes an adoption a crash interrupted.
 */
final class WarmPodAdoption {

    private static final Logger LOG = Logger.getLogger(WarmPodAdoption.class);
    private static final KubernetesSerialization JSON = new KubernetesSerialization();
    /**
     * The independent writes that finish an adoption, sent at once: a reconcile thread waits for one round trip
     * instead of four. Threads are made as a burst of adoptions needs them and go when idle.
     */
    private static final ExecutorService WRITES = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "warm-adoption-write");
        thread.setDaemon(true);
        return thread;
    });

    private WarmPodAdoption() {
    }

    /** The slot a sandbox adopted: its annotation, else the slot label of a pod it claimed (crash before the end). */
    static Optional<String> adoptedSlot(AgentSandbox sandbox, Context<AgentSandbox> context) {
        Map<String, String> annotations = sandbox.getMetadata().getAnnotations();
        if (annotations != null && annotations.containsKey(WarmStart.SLOT_ANNOTATION)) {
            return Optional.of(annotations.get(WarmStart.SLOT_ANNOTATION));
        }
        return context.getSecondaryResources(Pod.class).stream().map(WarmSlots::slotOf).flatMap(Optional::stream)
                .findFirst();
    }

    /** Whether the sandbox never decided how to start: no pod of its own and no decision recorded. */
    static boolean undecided(AgentSandbox sandbox, Context<AgentSandbox> context) {
        Map<String, String> annotations = sandbox.getMetadata().getAnnotations();
        return context.getSecondaryResources(Pod.class).isEmpty() && (annotations == null
                || !annotations.containsKey(WarmStart.SLOT_ANNOTATION)
                && !annotations.containsKey(WarmStart.COLD_ANNOTATION));
    }

    /**
     * Claims a ready pod of one of the template's pools, or records on the sandbox why it starts cold (before the
     * cold pod is made, so a later reconcile does not try again). After a claim, the slot's other objects are still
     * the pool's: this reconcile must not run the workflow (it would take them over as new objects of the sandbox's
     * while the pool still owns them); the next one finishes the adoption first ({@link #finish}).
     */
    static WarmStart adopt(AgentSandbox sandbox, SandboxPlan plan, String template, Context<AgentSandbox> context,
                           WarmPodReservations reservations, Instant now) {
        String namespace = sandbox.getMetadata().getNamespace();
        List<AgentSandboxPool> pools = ReferenceWatches.pools(context, namespace, template);
        if (pools.isEmpty()) {
            return startCold(sandbox, WarmStart.NO_POOL, template, context);
        }
        Set<String> poolNames = pools.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
        List<Pod> candidates = new ArrayList<>(ReferenceWatches.warmPods(context, namespace).stream()
                .filter(pod -> pod.getMetadata().getDeletionTimestamp() == null
                        && poolNames.contains(pod.getMetadata().getLabels().get(WarmSlots.POOL_LABEL))
                        && SandboxStatusAggregator.podReady(pod))
                .toList());
        // Concurrent adoptions spread over the pool instead of all racing for its first pod.
        Collections.shuffle(candidates);
        KubernetesClient client = context.getClient();
        for (Pod candidate : candidates) {
            Optional<String> slot = WarmSlots.slotOf(candidate);
            // Only a pod whose slot policy it owns: a policy still the pool's (a refill's first moment, a pod an older
            // operator warmed) would go with the pool if the pool were deleted before this sandbox took it over.
            if (slot.isEmpty() || ReferenceWatches.ownNetworkPolicy(context, namespace, slot.get())
                    .filter(policy -> WarmSlots.policyOwnedBy(policy, candidate)).isEmpty()) {
                continue;
            }
            SandboxPlan adopted = plan.withObjectBase(slot.get());
            // A pod of the template as it was (the pool replaces it soon) is not this sandbox's pod.
            if (!Objects.equals(WarmSlots.specHash(candidate),
                    WarmSlots.specHash(new SandboxPodDependentResource().desired(adopted)))) {
                continue;
            }
            // Another of this operator's adoptions has it: try the next rather than race for it.
            if (!reservations.reserve(candidate.getMetadata().getUid(), now)) {
                continue;
            }
            Optional<Pod> claimed;
            try {
                claimed = claim(client, candidate, sandbox);
            } catch (RuntimeException e) {
                reservations.release(candidate.getMetadata().getUid());
                throw e;
            }
            if (claimed.isEmpty()) {
                // Claimed by another writer or deleted: it stays reserved, no adoption of ours can have it.
                continue;
            }
            remember(context, Pod.class, SandboxPodDependentResource.NAME, claimed.get());
            LOG.infof("AgentSandbox %s/%s adopted warm pod %s of pool %s", namespace, sandbox.getMetadata().getName(),
                    candidate.getMetadata().getName(), candidate.getMetadata().getLabels().get(WarmSlots.POOL_LABEL));
            return WarmStart.adopted(slot.get());
        }
        return startCold(sandbox, WarmStart.POOL_EMPTY, template, context);
    }

    /** Whether the sandbox records that it adopted {@code slot} (the annotation, the last step's, was written). */
    static boolean recorded(AgentSandbox sandbox, String slot) {
        Map<String, String> annotations = sandbox.getMetadata().getAnnotations();
        return annotations != null && slot.equals(annotations.get(WarmStart.SLOT_ANNOTATION));
    }

    private static WarmStart startCold(AgentSandbox sandbox, String reason, String template,
                                       Context<AgentSandbox> context) {
        annotate(context.getClient(), sandbox, WarmStart.COLD_ANNOTATION, reason);
        return WarmStart.cold(reason, template);
    }

    /**
     * Annotates the sandbox, and this reconcile's copy of it: the status written at the end of the reconcile carries
     * the copy's resourceVersion, which must be the annotated one (else the API server refuses it, 409).
     */
    private static void annotate(KubernetesClient client, AgentSandbox sandbox, String key, String value) {
        copyWritten(sandbox, annotation(client, sandbox, key, value));
    }

    /** The annotation's write; what the API server answered. */
    private static AgentSandbox annotation(KubernetesClient client, AgentSandbox sandbox, String key, String value) {
        return MergePatches.patch(client, sandbox,
                JSON.asJson(Map.of("metadata", Map.of("annotations", Map.of(key, value)))));
    }

    /** This reconcile's copy takes the resourceVersion and annotations of what was written. */
    private static void copyWritten(AgentSandbox sandbox, AgentSandbox written) {
        sandbox.getMetadata().setResourceVersion(written.getMetadata().getResourceVersion());
        sandbox.getMetadata().setAnnotations(written.getMetadata().getAnnotations());
    }

    /**
     * Makes the slot's ConfigMap, workspace claim and NetworkPolicy the sandbox's and records the slot on the
     * sandbox; idempotent, so a reconcile after a crash mid-adoption finishes it. The writes are independent of each
     * other (the pod, already the sandbox's, names the slot until the annotation does), so they are sent at once;
     * whichever of them a crash left undone, the next reconcile sees it in the caches and redoes it. The ConfigMap's
     * content becomes the sandbox's when the workflow applies it next (same name, now owned by the sandbox); the
     * policy already is the sandbox's (same name, rules and selector).
     */
    static void finish(AgentSandbox sandbox, String slot, SandboxPlan plan, Context<AgentSandbox> context) {
        KubernetesClient client = context.getClient();
        String namespace = sandbox.getMetadata().getNamespace();
        String transfer = ownershipPatch(sandbox, null);
        List<CompletableFuture<?>> writes = new ArrayList<>();
        if (!ownedBy(sandbox, context, ConfigMap.class, SidecarConfigMapDependentResource.NAME,
                SandboxObjects.configMapName(slot))) {
            writes.add(CompletableFuture.runAsync(() -> transfer(client, ConfigMap.class, namespace,
                    SandboxObjects.configMapName(slot), transfer)
                    .ifPresent(configMap -> remember(context, ConfigMap.class, SidecarConfigMapDependentResource.NAME,
                            configMap)), WRITES));
        }
        if (!ownedBy(sandbox, context, NetworkPolicy.class, EgressNetworkPolicyDependentResource.NAME,
                SandboxObjects.networkPolicyName(slot))) {
            writes.add(CompletableFuture.runAsync(() -> transfer(client, NetworkPolicy.class, namespace,
                    SandboxObjects.networkPolicyName(slot), transfer)
                    .ifPresent(policy -> remember(context, NetworkPolicy.class,
                            EgressNetworkPolicyDependentResource.NAME, policy)), WRITES));
        }
        if (plan.workspaceClaimed() && !ownedBy(sandbox, context, PersistentVolumeClaim.class,
                WorkspaceClaimDependentResource.NAME, SandboxObjects.workspaceClaimName(slot))) {
            writes.add(CompletableFuture.runAsync(() -> transfer(client,
                    PersistentVolumeClaim.class, namespace, SandboxObjects.workspaceClaimName(slot), transfer)
                    .ifPresent(claim -> remember(context, PersistentVolumeClaim.class,
                            WorkspaceClaimDependentResource.NAME, claim)), WRITES));
        }
        CompletableFuture<AgentSandbox> annotated = recorded(sandbox, slot) ? CompletableFuture.completedFuture(null)
                : CompletableFuture.supplyAsync(() -> annotation(client, sandbox, WarmStart.SLOT_ANNOTATION, slot),
                WRITES);
        writes.add(annotated);
        if (writes.size() > 1 || !annotated.isDone()) {
            awaitAll(writes);
        }
        dropOlderPolicy(sandbox, slot, context);
        Optional.ofNullable(annotated.join()).ifPresent(written -> copyWritten(sandbox, written));
        LOG.debugf("AgentSandbox %s/%s: slot %s is the sandbox's", namespace, sandbox.getMetadata().getName(), slot);
    }

    /**
     * An operator before per-slot policies gave an adopting sandbox a policy of its own name, {@code <name>-egress};
     * once the slot's policy is the sandbox's (made by the workflow, as the pool of that operator made none), that
     * one, an identical second policy, would only read as another policy widening the pod's egress.
     */
    private static void dropOlderPolicy(AgentSandbox sandbox, String slot, Context<AgentSandbox> context) {
        String older = SandboxObjects.networkPolicyName(sandbox.getMetadata().getName());
        if (ownedBy(sandbox, context, NetworkPolicy.class, EgressNetworkPolicyDependentResource.NAME,
                SandboxObjects.networkPolicyName(slot)) && ownedBy(sandbox, context, NetworkPolicy.class,
                EgressNetworkPolicyDependentResource.NAME, older)) {
            LOG.infof("Deleting NetworkPolicy %s/%s: the adopted slot's policy selects the pod",
                    sandbox.getMetadata().getNamespace(), older);
            context.getClient().network().v1().networkPolicies().inNamespace(sandbox.getMetadata().getNamespace())
                    .withName(older).delete();
        }
    }

    /** Whether the informer of the dependent {@code dependent} holds {@code name} owned by the sandbox. */
    private static <R extends HasMetadata> boolean ownedBy(AgentSandbox sandbox, Context<AgentSandbox> context,
                                                           Class<R> type, String dependent, String name) {
        return ReferenceWatches.source(context, type, dependent)
                .get(new ResourceID(name, sandbox.getMetadata().getNamespace()))
                .map(object -> object.getMetadata().getOwnerReferences())
                .filter(owners -> owners.stream().anyMatch(o -> Objects.equals(o.getUid(),
                        sandbox.getMetadata().getUid())))
                .isPresent();
    }

    /** Waits for every write; the first that failed fails the reconcile, as a write of its own thread would. */
    private static void awaitAll(List<CompletableFuture<?>> writes) {
        try {
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** The claim: one merge patch guarded by the pod's resourceVersion; empty when another writer was first. */
    private static Optional<Pod> claim(KubernetesClient client, Pod pod, AgentSandbox sandbox) {
        try {
            return Optional.of(MergePatches.patch(client, pod,
                    ownershipPatch(sandbox, pod.getMetadata().getResourceVersion())));
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409 || e.getCode() == 404) {
                LOG.debugf("Warm pod %s/%s was claimed or deleted first", pod.getMetadata().getNamespace(),
                        pod.getMetadata().getName());
                return Optional.empty();
            }
            throw e;
        }
    }

    private static <R extends HasMetadata> Optional<R> transfer(KubernetesClient client, Class<R> type,
                                                                String namespace, String name, String patch) {
        try {
            return Optional.of(MergePatches.patch(client, type, namespace, name, patch));
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
            return Optional.empty();
        }
    }

    /**
     * Puts what this reconcile wrote into the dependent's informer cache at once, so that the workflow that follows
     * sees the adopted objects as the sandbox's rather than creating them (the watch event comes later).
     */
    private static <R extends HasMetadata> void remember(Context<AgentSandbox> context, Class<R> type,
                                                         String dependent, R written) {
        RecentWrites.remember(ReferenceWatches.source(context, type, dependent), written);
    }

    /** Labels and owner of a slot object, as the sandbox's; with a resourceVersion, guarded by it. */
    private static String ownershipPatch(AgentSandbox sandbox, String resourceVersion) {
        Map<String, Object> labels = new LinkedHashMap<>();
        labels.put(WarmSlots.POOL_LABEL, null);
        labels.put(SandboxObjects.SANDBOX_LABEL, sandbox.getMetadata().getName());
        Map<String, Object> metadata = new LinkedHashMap<>();
        if (resourceVersion != null) {
            metadata.put("resourceVersion", resourceVersion);
        }
        metadata.put("labels", labels);
        metadata.put("ownerReferences", List.of(ownerOf(sandbox)));
        return JSON.asJson(Map.of("metadata", metadata));
    }

    private static OwnerReference ownerOf(AgentSandbox sandbox) {
        return new OwnerReferenceBuilder().withApiVersion(sandbox.getApiVersion()).withKind(sandbox.getKind())
                .withName(sandbox.getMetadata().getName()).withUid(sandbox.getMetadata().getUid())
                .withController(true).withBlockOwnerDeletion(true).build();
    }
}
