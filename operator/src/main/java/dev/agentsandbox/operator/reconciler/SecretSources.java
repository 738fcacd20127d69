package dev.agentsandbox.operator.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.InformerConfiguration;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The Secrets of a controller's watched namespaces, label-free, their values dropped on arrival
 * ({@link SecretKeysOnly}), as event sources and a lookup.
 *
 * <p>One event source per watched namespace when the controller watches a set of namespaces, each with its own
 * store: JOSDK gives one event source's item store to every informer it starts for it (one per namespace), and each
 * informer's list keeps only its own namespace's items of that store (Fabric8's {@code ProcessorStore.retainAll}
 * walks the whole store), so a shared store lost the Secrets of every namespace but the last one listed. A
 * controller that watches all namespaces (or one) has one informer: one source.
 */
final class SecretSources {

    private SecretSources() {
    }

    /** The Secret event sources named after {@code name}, each event mapped to primaries by {@code mapper}. */
    static <P extends HasMetadata> List<InformerEventSource<Secret, P>> eventSources(
            EventSourceContext<P> context, String name, SecondaryToPrimaryMapper<Secret> mapper) {
        Set<String> namespaces = context.getControllerConfiguration().getInformerConfig().getNamespaces();
        if (!perNamespace(namespaces)) {
            return List.of(new InformerEventSource<>(configuration(context, name, mapper)
                    .withNamespacesInheritedFromController().build(), context));
        }
        return namespaces.stream().sorted().map(namespace -> new InformerEventSource<>(
                configuration(context, sourceName(name, namespace), mapper)
                        .withNamespaces(Set.of(namespace))
                        .withFollowControllerNamespacesChanges(false)
                        .build(), context)).toList();
    }

    /** The Secret as last seen by the source of its namespace (key names only), if that namespace is watched. */
    static <P extends HasMetadata> Optional<Secret> get(Context<P> context, String name, String namespace,
                                                        String secret) {
        Set<String> namespaces = context.getControllerConfiguration().getInformerConfig().getNamespaces();
        if (perNamespace(namespaces) && !namespaces.contains(namespace)) {
            return Optional.empty();
        }
        String source = perNamespace(namespaces) ? sourceName(name, namespace) : name;
        return ReferenceWatches.source(context, Secret.class, source).get(new ResourceID(secret, namespace));
    }

    private static <P extends HasMetadata> InformerEventSourceConfiguration.Builder<Secret> configuration(
            EventSourceContext<P> context, String name, SecondaryToPrimaryMapper<Secret> mapper) {
        return InformerEventSourceConfiguration.from(Secret.class, context.getPrimaryResourceClass())
                .withName(name)
                .withItemStore(new TransformingItemStore<>(new SecretKeysOnly()))
                .withSecondaryToPrimaryMapper(mapper);
    }

    private static boolean perNamespace(Set<String> controllerNamespaces) {
        return !InformerConfiguration.allNamespacesWatched(controllerNamespaces) && controllerNamespaces.size() > 1;
    }

    static String sourceName(String name, String namespace) {
        return name + "@" + namespace;
    }
}
