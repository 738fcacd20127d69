package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.plan.SandboxPlan;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The objects of a pool's warm slots (docs/architecture.md, "Warm pools"). A slot is what a sandbox would own,
 * named after the slot ({@code <slot>-sandbox}, {@code <slot>-sidecar}, {@code <slot>-workspace}) and built by the
 * sandbox's own {@code desired()} from the slot's plan, so the pod a sandbox adopts is exactly the pod it would
 * have made; only the labels differ: a slot's objects carry the pool's and the slot's instead of a sandbox's. The
 * slot's NetworkPolicy ({@code <slot>-egress}) is the one the adopting sandbox wants too: it selects the slot's
 * label, which the pod keeps for good, so the pod is behind it before, during and after its claim. Pure functions.
 */
public final class WarmSlots {

    /** On a pool's unclaimed objects only: the claim removes it in the same write that gives the pod its sandbox. */
    public static final String POOL_LABEL = "agentsandbox.dev/pool";
    /** On a slot's objects for good: a sandbox that adopted the pod finds its slot by it. */
    public static final String SLOT_LABEL = "agentsandbox.dev/warm-slot";
    /** The pool's unclaimed pods, for its informers and {@code status.selector}. */
    public static final String POOL_SELECTOR = SandboxObjects.MANAGED_SELECTOR + "," + POOL_LABEL;

    private static final int SLOT_PREFIX_MAX = 50;

    private WarmSlots() {
    }

    /** {@code <pool>-<suffix>}, short enough to be a label value (63) with {@code -workspace} still a valid name. */
    public static String slotName(String pool, String suffix) {
        String prefix = pool.length() > SLOT_PREFIX_MAX ? pool.substring(0, SLOT_PREFIX_MAX) : pool;
        return (prefix.endsWith("-") ? prefix : prefix + "-") + suffix;
    }

    /**
     * The pool-wide policy of operators before per-slot policies: the pool deletes it once each of its unclaimed
     * pods has its slot's policy.
     */
    public static String legacyPoolPolicyName(String pool) {
        return pool + "-pool-egress";
    }

    /** What a slot's NetworkPolicy selects: the slot's pod, unclaimed or adopted. */
    public static LabelSelector slotSelector(String slot) {
        return new LabelSelectorBuilder().withMatchLabels(Map.of(SLOT_LABEL, slot)).build();
    }

    public static String selector(String pool) {
        return SandboxObjects.MANAGED_SELECTOR + "," + POOL_LABEL + "=" + pool;
    }

    public static Map<String, String> labels(String pool, String slot) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(SandboxObjects.MANAGED_BY_LABEL, SandboxObjects.MANAGED_BY);
        labels.put(POOL_LABEL, pool);
        labels.put(SLOT_LABEL, slot);
        return labels;
    }

    /** The slot of a pool's or an adopted pod; empty for a pod a sandbox started itself. */
    public static Optional<String> slotOf(HasMetadata object) {
        return Optional.ofNullable(object.getMetadata().getLabels()).map(l -> l.get(SLOT_LABEL));
    }

    /** @param slot the plan of the slot ({@code SandboxPlanner.warmSlot}): named after the slot */
    public static Pod pod(SandboxPlan slot, String pool) {
        return relabelled(new SandboxPodDependentResource().desired(slot), pool, slot.name());
    }

    public static ConfigMap configMap(SandboxPlan slot, String pool) {
        return relabelled(new SidecarConfigMapDependentResource().desired(slot), pool, slot.name());
    }

    /** Empty when the template's workspace is an emptyDir. */
    public static Optional<PersistentVolumeClaim> claim(SandboxPlan slot, String pool) {
        return slot.workspaceClaimed() ? Optional.of(relabelled(new WorkspaceClaimDependentResource().desired(slot),
                pool, slot.name())) : Optional.empty();
    }

    /**
     * {@code <slot>-egress}: exactly the policy of a sandbox that adopted the slot (name, rules, selector), so the
     * adoption writes no policy; made before the slot's pod.
     */
    public static NetworkPolicy networkPolicy(SandboxPlan slot, String pool) {
        NetworkPolicy policy = relabelled(new EgressNetworkPolicyDependentResource().desired(slot), pool, slot.name());
        policy.getSpec().setPodSelector(slotSelector(slot.name()));
        return policy;
    }

    /** The spec hash a slot's pod carries: equal to the desired pod's when the template has not changed. */
    public static String specHash(Pod pod) {
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(SandboxPodDependentResource.SPEC_HASH_ANNOTATION);
    }

    private static <T extends HasMetadata> T relabelled(T object, String pool, String slot) {
        object.getMetadata().setLabels(labels(pool, slot));
        return object;
    }
}
