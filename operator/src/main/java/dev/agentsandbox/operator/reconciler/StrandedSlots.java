package dev.agentsandbox.operator.reconciler;

import dev.agentsandbox.operator.dependent.WarmSlots;
import dev.agentsandbox.operator.plan.Timestamps;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The ConfigMaps, workspace claims and NetworkPolicies of a pool's slots that lost their pod to nobody: a sandbox
 * deleted after it claimed a warm pod but before it took the slot's other objects ({@link WarmPodAdoption}) takes
 * the pod with it (garbage collection), and leaves them labelled and owned by the pool, which would keep them as long
 * as it lives; and the pool deletes an unclaimed pod before its policy, which must select the pod for as long as it
 * runs. A slot object is stranded when no pod at all carries its slot label (neither an unclaimed pod, nor one a
 * sandbox claimed and is still adopting, nor one terminating) and it is older than {@link #GRACE}: a new slot's
 * ConfigMap, claim and policy are created just before its pod.
 */
final class StrandedSlots {

    static final Duration GRACE = Duration.ofSeconds(30);

    private static final Logger LOG = Logger.getLogger(StrandedSlots.class);

    private StrandedSlots() {
    }

    /**
     * Deletes the pool's stranded slot objects.
     *
     * @param unclaimedSlots the slots of the pool's unclaimed pods (in the informer's cache)
     * @param policies       the pool's NetworkPolicies (in the informer's cache)
     * @return true when some slot object without an unclaimed pod could not be judged yet (too young, or its pod is
     *         being adopted or terminating): the pool should look again after {@link #GRACE}
     */
    static boolean sweep(KubernetesClient client, String namespace, String pool, Set<String> unclaimedSlots,
                         Collection<NetworkPolicy> policies, Instant now) {
        List<HasMetadata> objects = new ArrayList<>(policies);
        objects.addAll(client.configMaps().inNamespace(namespace).withLabel(WarmSlots.POOL_LABEL, pool).list()
                .getItems());
        objects.addAll(client.persistentVolumeClaims().inNamespace(namespace).withLabel(WarmSlots.POOL_LABEL, pool)
                .list().getItems());
        boolean undecided = false;
        List<HasMetadata> old = new ArrayList<>();
        for (HasMetadata object : objects) {
            Optional<String> slot = WarmSlots.slotOf(object);
            if (slot.isEmpty() || unclaimedSlots.contains(slot.get())
                    || object.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            Instant created = Timestamps.parse(object.getMetadata().getCreationTimestamp()).orElse(now);
            if (created.plus(GRACE).isAfter(now)) {
                undecided = true;
            } else {
                old.add(object);
            }
        }
        if (old.isEmpty()) {
            return undecided;
        }
        // Read live, not from a cache: a claimed pod has left the pool's informer. One list for all of them.
        Set<String> slotsWithPods = client.pods().inNamespace(namespace).withLabel(WarmSlots.SLOT_LABEL).list()
                .getItems().stream().map(WarmSlots::slotOf).flatMap(Optional::stream).collect(Collectors.toSet());
        for (HasMetadata object : old) {
            if (slotsWithPods.contains(WarmSlots.slotOf(object).orElseThrow())) {
                undecided = true;
                continue;
            }
            LOG.infof("Deleting %s %s/%s of pool %s: its slot's pod is gone and no sandbox took it", object.getKind(),
                    namespace, object.getMetadata().getName(), pool);
            client.resource(object).delete();
        }
        return undecided;
    }
}
