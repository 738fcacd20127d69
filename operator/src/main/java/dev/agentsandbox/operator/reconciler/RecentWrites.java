package dev.agentsandbox.operator.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

import java.util.Optional;

/**
 * What a reconcile wrote, put into an informer's cache at once: the watch event comes later, and the reconcile that
 * follows must see the write (not make a second pod for the same slot, not take an adopted object for a new one).
 */
final class RecentWrites {

    private RecentWrites() {
    }

    static <R extends HasMetadata> void remember(InformerEventSource<R, ?> cache, R written) {
        ResourceID id = ResourceID.fromResource(written);
        Optional<R> cached = cache.get(id);
        if (cached.isPresent()) {
            cache.handleRecentResourceUpdate(id, written, cached.get());
        } else {
            cache.handleRecentResourceCreate(id, written);
        }
    }
}
