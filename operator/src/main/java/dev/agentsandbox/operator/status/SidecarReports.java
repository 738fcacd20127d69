package dev.agentsandbox.operator.status;

import dev.agentsandbox.operator.api.v1alpha1.EgressStatus;
import dev.agentsandbox.operator.api.v1alpha1.ModelUsageStatus;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * What each sandbox's sidecars reported last, read in the background. A reconcile takes the last answer and starts
 * the next read; it never waits for a pod, so a pod that does not answer (gone from the network, a node down) costs
 * no reconcile thread. When an answer differs from the last one, the listener hears of the sandbox (the reconciler
 * reconciles it again, and writes the new counters); an answer equal to the last one, or no answer, changes nothing.
 * One read per sandbox at a time: the reads follow the reconciles (the status refresh), never a timer of their own.
 */
@ApplicationScoped
public class SidecarReports {

    /** What the proxy and the bridge said last; either may be null (not answered yet, or no model). */
    public record Latest(EgressStatus egress, ModelUsageStatus model) {
        public static final Latest NOTHING = new Latest(null, null);

        /** This answer, keeping what the sidecar said before where it did not answer now. */
        Latest after(Optional<EgressStatus> newEgress, Optional<ModelUsageStatus> newModel) {
            return new Latest(newEgress.orElse(egress), newModel.orElse(model));
        }
    }

    static final Duration RETAIN_EVERY = Duration.ofMinutes(1);

    private final SidecarStatusReader reader;
    private final AtomicLong lastRetain = new AtomicLong(System.nanoTime());
    private final Map<ResourceID, PodReports> reports = new ConcurrentHashMap<>();
    private volatile Consumer<ResourceID> listener = sandbox -> { };

    @Inject
    public SidecarReports(SidecarStatusReader reader) {
        this.reader = reader;
    }

    /** Who hears of a sandbox whose sidecars said something new. */
    public void onChange(Consumer<ResourceID> changed) {
        this.listener = changed;
    }

    /**
     * What the sidecars of the sandbox's pod at {@code podIP} said last (nothing before their first answer, and
     * nothing of an earlier pod), and a new read started unless one is under way. Never waits for the pod.
     */
    public Latest latest(ResourceID sandbox, String podIP, boolean withModel) {
        PodReports pod = reports.compute(sandbox, (id, known) -> known != null && known.podIP.equals(podIP) ? known
                : new PodReports(podIP));
        if (pod.reading.compareAndSet(false, true)) {
            read(sandbox, pod, withModel);
        }
        return pod.latest;
    }

    /** The sandbox has no ready pod (or no longer exists): what its sidecars said is dropped. */
    public void forget(ResourceID sandbox) {
        reports.remove(sandbox);
    }

    /**
     * Drops what is kept for sandboxes that no longer exist (a deleted sandbox is not reconciled again); at most once
     * per {@link #RETAIN_EVERY}, since it looks at every sandbox.
     */
    public void retain(Predicate<ResourceID> exists) {
        long now = System.nanoTime();
        long last = lastRetain.get();
        if (now - last >= RETAIN_EVERY.toNanos() && lastRetain.compareAndSet(last, now)) {
            reports.keySet().removeIf(exists.negate());
        }
    }

    /** How many sandboxes' reports are kept. */
    int size() {
        return reports.size();
    }

    private void read(ResourceID sandbox, PodReports pod, boolean withModel) {
        CompletableFuture<Optional<ModelUsageStatus>> model = withModel ? reader.model(pod.podIP)
                : CompletableFuture.completedFuture(Optional.empty());
        reader.egress(pod.podIP).thenCombine(model, pod.latest::after).whenComplete((answer, failure) -> {
            pod.reading.set(false);
            // Dropped or replaced by a newer pod meanwhile: this answer is nobody's.
            if (answer == null || reports.get(sandbox) != pod) {
                return;
            }
            Latest before = pod.latest;
            pod.latest = answer;
            if (!Objects.equals(before, answer)) {
                listener.accept(sandbox);
            }
        });
    }

    /** One pod's last answers, and whether a read of it is under way. */
    private static final class PodReports {
        final String podIP;
        final AtomicBoolean reading = new AtomicBoolean();
        volatile Latest latest = Latest.NOTHING;

        PodReports(String podIP) {
            this.podIP = podIP;
        }
    }
}
