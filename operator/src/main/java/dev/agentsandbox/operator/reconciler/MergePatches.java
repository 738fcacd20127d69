package dev.agentsandbox.operator.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import java.lang.reflect.InvocationTargetException;

/**
 * JSON merge patches that cost the API server one request each. Fabric8's {@code withName(name).patch(context, json)}
 * first GETs the whole object (a quorum read from etcd) only to learn the name and namespace it was just given; a
 * patch sent for a skeleton of the object (its type, name and namespace) goes straight out. On the warm path that
 * hidden read doubled every write: a warm pod's claim, the slot's takeover, a refill's policy hand-over.
 */
final class MergePatches {

    private static final PatchContext MERGE = PatchContext.of(PatchType.JSON_MERGE);

    private MergePatches() {
    }

    /** Patches the object of {@code type} named {@code name} in {@code namespace}; what the API server answered. */
    static <R extends HasMetadata> R patch(KubernetesClient client, Class<R> type, String namespace, String name,
                                           String mergePatch) {
        return client.resource(skeleton(type, namespace, name)).patch(MERGE, mergePatch);
    }

    /** Patches the object {@code target} names (its own fields are not sent, nor compared). */
    static <R extends HasMetadata> R patch(KubernetesClient client, R target, String mergePatch) {
        @SuppressWarnings("unchecked")
        Class<R> type = (Class<R>) target.getClass();
        return patch(client, type, target.getMetadata().getNamespace(), target.getMetadata().getName(), mergePatch);
    }

    /** Fabric8 serializes the object it is given to copy it before patching: only the names are worth copying. */
    private static <R extends HasMetadata> R skeleton(Class<R> type, String namespace, String name) {
        try {
            R object = type.getDeclaredConstructor().newInstance();
            object.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
            return object;
        } catch (InstantiationException | IllegalAccessException | NoSuchMethodException e) {
            throw new IllegalArgumentException(type + " has no public no-argument constructor", e);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(e.getCause());
        }
    }
}
