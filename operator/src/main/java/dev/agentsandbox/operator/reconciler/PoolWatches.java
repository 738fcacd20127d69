package dev.agentsandbox.operator.reconciler;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxPool;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxTemplate;
import dev.agentsandbox.operator.dependent.WarmSlots;
import dev.agentsandbox.operator.plan.ClusterLookup;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What a pool reconcile reads: its unclaimed pods, its template, and what the template's input checks need (Secrets'
 * key names, RuntimeClasses, Model Runner Services). A template event reaches the pools of that template; the other
 * references are few per cluster and reach every pool (a pool waiting for a Secret starts when it appears).
 */
final class PoolWatches {

    static final String PODS = "pool-pods";
    static final String POLICIES = "pool-policies";
    static final String TEMPLATES = "pool-templates";
    static final String SECRETS = "pool-secrets";
    static final String RUNTIME_CLASSES = "pool-runtime-classes";
    static final String SERVICES = "pool-services";

    private static final String TEMPLATE_INDEX = "agentsandbox.dev/pool-template";

    private PoolWatches() {
    }

    static List<EventSource<?, AgentSandboxPool>> eventSources(EventSourceContext<AgentSandboxPool> context) {
        IndexerResourceCache<AgentSandboxPool> pools = context.getPrimaryCache();
        pools.addIndexers(Map.of(TEMPLATE_INDEX, pool -> List.of(key(pool.getMetadata().getNamespace(),
                pool.getSpec().getTemplateRef().getName()))));
        SecondaryToPrimaryMapper<HasMetadata> everyPool = object -> pools.list().map(ResourceID::fromResource)
                .collect(Collectors.toSet());

        // A claimed pod loses the pool label: it leaves this informer, and its pool refills.
        var pods = InformerEventSourceConfiguration.from(Pod.class, AgentSandboxPool.class)
                .withName(PODS)
                .withNamespacesInheritedFromController()
                .withLabelSelector(WarmSlots.POOL_SELECTOR)
                .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(AgentSandboxPool.class))
                .build();
        // The slots' NetworkPolicies not yet adopted (an adopted slot's policy loses the pool label with its
        // transfer), and the pool-wide policy of older operators. By label: a slot's policy is its pod's.
        var policies = InformerEventSourceConfiguration.from(NetworkPolicy.class, AgentSandboxPool.class)
                .withName(POLICIES)
                .withNamespacesInheritedFromController()
                .withLabelSelector(WarmSlots.POOL_SELECTOR)
                .withSecondaryToPrimaryMapper(policy -> Set.of(new ResourceID(
                        policy.getMetadata().getLabels().get(WarmSlots.POOL_LABEL),
                        policy.getMetadata().getNamespace())))
                .build();
        var templates = InformerEventSourceConfiguration.from(AgentSandboxTemplate.class, AgentSandboxPool.class)
                .withName(TEMPLATES)
                .withNamespacesInheritedFromController()
                .withSecondaryToPrimaryMapper(template -> pools.byIndex(TEMPLATE_INDEX,
                                key(template.getMetadata().getNamespace(), template.getMetadata().getName()))
                        .stream().map(ResourceID::fromResource).collect(Collectors.toSet()))
                .build();
        var runtimeClasses = InformerEventSourceConfiguration.from(RuntimeClass.class, AgentSandboxPool.class)
                .withName(RUNTIME_CLASSES)
                .withWatchAllNamespaces()
                .withFollowControllerNamespacesChanges(false)
                .withSecondaryToPrimaryMapper(everyPool::toPrimaryResourceIDs)
                .build();
        var services = InformerEventSourceConfiguration.from(Service.class, AgentSandboxPool.class)
                .withName(SERVICES)
                .withWatchAllNamespaces()
                .withFollowControllerNamespacesChanges(false)
                .withSecondaryToPrimaryMapper(everyPool::toPrimaryResourceIDs)
                .build();
        List<EventSource<?, AgentSandboxPool>> sources = new ArrayList<>(
                SecretSources.eventSources(context, SECRETS, everyPool::toPrimaryResourceIDs));
        sources.addAll(List.of(new InformerEventSource<>(pods, context), new InformerEventSource<>(policies, context),
                new InformerEventSource<>(templates, context),
                new InformerEventSource<>(runtimeClasses, context), new InformerEventSource<>(services, context)));
        return sources;
    }

    /** The pool's unclaimed pods that are not on their way out. */
    static List<Pod> unclaimedPods(Context<AgentSandboxPool> context, AgentSandboxPool pool) {
        String uid = pool.getMetadata().getUid();
        return pods(context).list(pool.getMetadata().getNamespace(), pod -> pod.getMetadata().getDeletionTimestamp() == null
                && pod.getMetadata().getOwnerReferences().stream()
                .anyMatch(o -> uid.equals(o.getUid()) && Boolean.TRUE.equals(o.getController()))).toList();
    }

    /** The pool's NetworkPolicies (its slots' not yet adopted, and an older operator's pool-wide one), by name. */
    static Map<String, NetworkPolicy> policies(Context<AgentSandboxPool> context, AgentSandboxPool pool) {
        String name = pool.getMetadata().getName();
        return source(context, NetworkPolicy.class, POLICIES).list(pool.getMetadata().getNamespace(),
                        policy -> name.equals(policy.getMetadata().getLabels().get(WarmSlots.POOL_LABEL)))
                .collect(Collectors.toMap(policy -> policy.getMetadata().getName(), policy -> policy));
    }

    /** Makes a pod this reconcile created visible to the next one at once (no second pod for the same gap). */
    static void written(Context<AgentSandboxPool> context, Pod pod) {
        RecentWrites.remember(pods(context), pod);
    }

    /** As {@link #written(Context, Pod)}, for a slot's policy: the next reconcile does not make it again. */
    static void written(Context<AgentSandboxPool> context, NetworkPolicy policy) {
        RecentWrites.remember(source(context, NetworkPolicy.class, POLICIES), policy);
    }

    static ClusterLookup lookup(Context<AgentSandboxPool> context) {
        return new ClusterLookup() {
            @Override
            public Optional<Secret> secret(String namespace, String name) {
                return SecretSources.get(context, SECRETS, namespace, name);
            }

            @Override
            public Optional<RuntimeClass> runtimeClass(String name) {
                return source(context, RuntimeClass.class, RUNTIME_CLASSES).get(new ResourceID(name));
            }

            @Override
            public Optional<Service> service(String namespace, String name) {
                return source(context, Service.class, SERVICES).get(new ResourceID(name, namespace));
            }

            @Override
            public Optional<AgentSandboxTemplate> template(String namespace, String name) {
                return source(context, AgentSandboxTemplate.class, TEMPLATES).get(new ResourceID(name, namespace));
            }

            /** A warm pod has no other policies to report: nobody sees it until a sandbox adopts it. */
            @Override
            public List<NetworkPolicy> networkPoliciesThatMaySelect(String namespace, String sandbox) {
                return List.of();
            }
        };
    }

    private static InformerEventSource<Pod, AgentSandboxPool> pods(Context<AgentSandboxPool> context) {
        return source(context, Pod.class, PODS);
    }

    private static <R extends HasMetadata> InformerEventSource<R, AgentSandboxPool> source(
            Context<AgentSandboxPool> context, Class<R> type, String name) {
        return ReferenceWatches.source(context, type, name);
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }
}
