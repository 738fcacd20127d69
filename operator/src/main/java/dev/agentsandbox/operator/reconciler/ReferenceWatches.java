package dev.agentsandbox.operator.reconciler;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxPool;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxTemplate;
import dev.agentsandbox.operator.api.v1alpha1.CredentialSpec;
import dev.agentsandbox.operator.dependent.EgressNetworkPolicyDependentResource;
import dev.agentsandbox.operator.dependent.SandboxPodDependentResource;
import dev.agentsandbox.operator.dependent.WarmSlots;
import dev.agentsandbox.operator.dependent.SandboxObjects;
import dev.agentsandbox.operator.plan.ClusterLookup;
import dev.agentsandbox.operator.plan.ResolvedRunner;
import dev.agentsandbox.operator.plan.SandboxPlanner;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

import java.util.HashSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Watches the objects a sandbox refers to but does not own (Secrets, RuntimeClasses, the Model Runner Service),
 * so that a sandbox waiting for one is reconciled when it appears, and every NetworkPolicy of the watched
 * namespaces, so that one that widens a sandbox's egress is reported when it appears and cleared when it goes; and
 * the templates sandboxes name, the pools and their unclaimed pods (for adoption). Each
 * event is mapped to the sandboxes concerned through an index on the AgentSandbox cache, never a scan.
 */
final class ReferenceWatches {

    static final String SECRETS = "referenced-secrets";
    static final String RUNTIME_CLASSES = "runtime-classes";
    static final String RUNNER_SERVICES = "model-runner-services";
    /**
     * Every NetworkPolicy of the watched namespaces, the operator's own among them: the egress policy's dependent
     * reads its policy from this informer too (one cache, rather than a second copy of every sandbox's policy in an
     * informer of its own), hence its name.
     */
    static final String NETWORK_POLICIES = EgressNetworkPolicyDependentResource.NAME;
    static final String TEMPLATES = "templates";
    static final String POOLS = "pools";

    private static final String SECRET_INDEX = "agentsandbox.dev/secret";
    private static final String RUNTIME_CLASS_INDEX = "agentsandbox.dev/runtime-class";
    private static final String SERVICE_INDEX = "agentsandbox.dev/runner-service";
    private static final String NAMESPACE_INDEX = "agentsandbox.dev/namespace";
    private static final String TEMPLATE_INDEX = "agentsandbox.dev/template";
    private static final String POLICY_SCOPE_INDEX = "agentsandbox.dev/policy-scope";
    /** Sandboxes without a status yet: created, not reconciled once. */
    private static final String AWAITING_INDEX = "agentsandbox.dev/awaiting-status";
    private static final String AWAITING = "awaiting";
    /** Not a sandbox name (a name is a DNS label): the scope of policies that may select any sandbox's pod. */
    private static final String ANY_SANDBOX = "*";
    /** Scope of a policy selecting one warm slot's pod; no sandbox name can contain it. */
    private static final String SLOT_SCOPE = "slot:";

    private ReferenceWatches() {
    }

    static List<EventSource<?, AgentSandbox>> eventSources(EventSourceContext<AgentSandbox> context,
                                                          SandboxPlanner planner) {
        IndexerResourceCache<AgentSandbox> sandboxes = context.getPrimaryCache();
        sandboxes.addIndexers(Map.of(
                SECRET_INDEX, sandbox -> sandbox.getSpec().getCredentials().stream()
                        .map(CredentialSpec::getSecretRef)
                        .map(ref -> key(sandbox.getMetadata().getNamespace(), ref.getName()))
                        .distinct().toList(),
                RUNTIME_CLASS_INDEX, sandbox -> List.of(planner.effectiveRuntimeClass(sandbox)),
                SERVICE_INDEX, sandbox -> Optional.ofNullable(planner.runnerOf(sandbox.getSpec().getModel()))
                        .map(ResolvedRunner::serviceKey).stream().toList(),
                NAMESPACE_INDEX, sandbox -> List.of(sandbox.getMetadata().getNamespace()),
                TEMPLATE_INDEX, sandbox -> Optional.ofNullable(sandbox.getSpec().getTemplateRef())
                        .map(ref -> key(sandbox.getMetadata().getNamespace(), ref.getName())).stream().toList(),
                AWAITING_INDEX, sandbox -> sandbox.getStatus() == null ? List.of(AWAITING) : List.of()));

        // A template that appears, changes or goes concerns the sandboxes that name it.
        var templates = new InformerEventSource<>(InformerEventSourceConfiguration
                .from(AgentSandboxTemplate.class, AgentSandbox.class)
                .withName(TEMPLATES)
                .withNamespacesInheritedFromController()
                .withSecondaryToPrimaryMapper(referrers(sandboxes, TEMPLATE_INDEX,
                        t -> key(t.getMetadata().getNamespace(), t.getMetadata().getName())))
                .build(), context);
        SecondaryToPrimaryMapper<Secret> directReferrers = referrers(sandboxes, SECRET_INDEX,
                s -> key(s.getMetadata().getNamespace(), s.getMetadata().getName()));
        // Label-free (users label their Secrets as they like), in the watched namespaces, values dropped on arrival.
        // A Secret concerns the sandboxes that name it, and those whose template names it.
        var secrets = SecretSources.eventSources(context, SECRETS, secret -> {
            Set<ResourceID> concerned = new HashSet<>(directReferrers.toPrimaryResourceIDs(secret));
            String namespace = secret.getMetadata().getNamespace();
            templates.list(namespace, template -> template.getSpec().getCredentials().stream()
                            .anyMatch(c -> c.getSecretRef().getName().equals(secret.getMetadata().getName())))
                    .forEach(template -> sandboxes.byIndex(TEMPLATE_INDEX,
                                    key(namespace, template.getMetadata().getName()))
                            .forEach(sandbox -> concerned.add(ResourceID.fromResource(sandbox))));
            return concerned;
        });
        var runtimeClasses = InformerEventSourceConfiguration.from(RuntimeClass.class, AgentSandbox.class)
                .withName(RUNTIME_CLASSES)
                .withWatchAllNamespaces()
                .withFollowControllerNamespacesChanges(false)
                .withSecondaryToPrimaryMapper(referrers(sandboxes, RUNTIME_CLASS_INDEX, r -> r.getMetadata().getName()))
                .build();
        // Model Runners usually live in their own namespace, outside the watched ones.
        var services = InformerEventSourceConfiguration.from(Service.class, AgentSandbox.class)
                .withName(RUNNER_SERVICES)
                .withWatchAllNamespaces()
                .withFollowControllerNamespacesChanges(false)
                .withSecondaryToPrimaryMapper(referrers(sandboxes, SERVICE_INDEX,
                        s -> key(s.getMetadata().getNamespace(), s.getMetadata().getName())))
                .build();
        // Label-free: anyone's policy may select a sandbox's pod (and the sandboxes' own policies are read from here
        // too: NETWORK_POLICIES). A change to one may select or release any sandbox
        // of its namespace (its selector may have changed), so all of them are looked at again; except for a policy
        // whose pod selector requires one sandbox's label (the operator's own, one per sandbox), which can select
        // that sandbox's pod only: that sandbox alone (otherwise a burst of N sandboxes in one namespace would cost
        // N x N reconciles); and for a policy whose pod selector requires one warm slot's label (a slot's own,
        // see selectedSlot), which concerns the sandbox that adopted the slot, if any, alone. A policy narrowed to
        // one sandbox releases the others at their next status refresh.
        SecondaryToPrimaryMapper<NetworkPolicy> wholeNamespace = referrers(sandboxes, NAMESPACE_INDEX,
                policy -> policy.getMetadata().getNamespace());
        var networkPolicies = InformerEventSourceConfiguration.from(NetworkPolicy.class, AgentSandbox.class)
                .withName(NETWORK_POLICIES)
                .withNamespacesInheritedFromController()
                .withSecondaryToPrimaryMapper(policy -> selectedSlot(policy)
                        .map(slot -> slotOwner(policy))
                        .or(() -> selectedSandbox(policy).map(sandbox -> Set.of(new ResourceID(sandbox,
                                policy.getMetadata().getNamespace()))))
                        .orElseGet(() -> wholeNamespace.toPrimaryResourceIDs(policy)))
                .build();
        // Pools are read at a sandbox's creation only (adoption): no event of theirs concerns an existing sandbox.
        var pools = InformerEventSourceConfiguration.from(AgentSandboxPool.class, AgentSandbox.class)
                .withName(POOLS)
                .withNamespacesInheritedFromController()
                .withSecondaryToPrimaryMapper(pool -> Set.of())
                .build();
        InformerEventSource<NetworkPolicy, AgentSandbox> policies = new InformerEventSource<>(networkPolicies, context);
        policies.addIndexers(Map.of(POLICY_SCOPE_INDEX, policy -> List.of(policyScope(policy))));
        List<EventSource<?, AgentSandbox>> sources = new ArrayList<>(secrets);
        sources.addAll(List.of(new InformerEventSource<>(runtimeClasses, context),
                new InformerEventSource<>(services, context), policies, templates,
                new InformerEventSource<>(pools, context)));
        return sources;
    }

    /**
     * Where a NetworkPolicy may select pods: {@code <namespace>/<sandbox>} when its pod selector requires the label
     * of one sandbox, else {@code <namespace>/*}. A sandbox's reconcile then looks at its own and the namespace-wide
     * policies, not at every sandbox's (which made each reconcile cost time in the number of sandboxes of the
     * namespace).
     */
    static String policyScope(NetworkPolicy policy) {
        return key(policy.getMetadata().getNamespace(), selectedSlot(policy).map(slot -> SLOT_SCOPE + slot)
                .or(() -> selectedSandbox(policy)).orElse(ANY_SANDBOX));
    }

    /**
     * The warm slot whose pod a NetworkPolicy may select, when its pod selector requires that slot's label: a slot's
     * own policy, the pool's or, once adopted, its sandbox's ({@code WarmSlots.networkPolicy}). It concerns no other
     * sandbox, so a burst of refills does not reconcile every sandbox of the namespace.
     */
    static Optional<String> selectedSlot(NetworkPolicy policy) {
        return Optional.ofNullable(policy.getSpec()).map(NetworkPolicySpec::getPodSelector)
                .map(LabelSelector::getMatchLabels).map(labels -> labels.get(WarmSlots.SLOT_LABEL));
    }

    /** The sandbox that adopted a slot's policy, if one did (until then the pool owns it, and no sandbox cares). */
    private static Set<ResourceID> slotOwner(NetworkPolicy policy) {
        return policy.getMetadata().getOwnerReferences().stream()
                .filter(owner -> AgentSandbox.KIND.equals(owner.getKind()))
                .map(owner -> new ResourceID(owner.getName(), policy.getMetadata().getNamespace()))
                .collect(Collectors.toSet());
    }

    /**
     * The one sandbox whose pod a NetworkPolicy may select, when its pod selector requires that sandbox's label
     * (match labels are all required: it can select no other sandbox's pod).
     */
    static Optional<String> selectedSandbox(NetworkPolicy policy) {
        return Optional.ofNullable(policy.getSpec()).map(NetworkPolicySpec::getPodSelector)
                .map(LabelSelector::getMatchLabels).map(labels -> labels.get(SandboxObjects.SANDBOX_LABEL));
    }

    /**
     * The sandbox's own NetworkPolicy as last seen or written ({@code <objectBase>-egress}: its name, or the slot it
     * adopted), if there is one, whoever owns it yet.
     */
    static Optional<NetworkPolicy> ownNetworkPolicy(Context<AgentSandbox> context, String namespace,
                                                    String objectBase) {
        return cached(context, NetworkPolicy.class, NETWORK_POLICIES,
                new ResourceID(SandboxObjects.networkPolicyName(objectBase), namespace));
    }

    /** Reads the watched objects from the informers' caches. */
    static ClusterLookup lookup(Context<AgentSandbox> context) {
        return new ClusterLookup() {
            @Override
            public Optional<Secret> secret(String namespace, String name) {
                return SecretSources.get(context, SECRETS, namespace, name);
            }

            @Override
            public Optional<RuntimeClass> runtimeClass(String name) {
                return cached(context, RuntimeClass.class, RUNTIME_CLASSES, new ResourceID(name));
            }

            @Override
            public Optional<Service> service(String namespace, String name) {
                return cached(context, Service.class, RUNNER_SERVICES, new ResourceID(name, namespace));
            }

            @Override
            public Optional<AgentSandboxTemplate> template(String namespace, String name) {
                return cached(context, AgentSandboxTemplate.class, TEMPLATES, new ResourceID(name, namespace));
            }

            @Override
            public List<NetworkPolicy> networkPoliciesThatMaySelect(String namespace, String sandbox) {
                InformerEventSource<NetworkPolicy, AgentSandbox> policies = source(context, NetworkPolicy.class,
                        NETWORK_POLICIES);
                List<NetworkPolicy> found = new ArrayList<>(policies.byIndex(POLICY_SCOPE_INDEX,
                        key(namespace, ANY_SANDBOX)));
                found.addAll(policies.byIndex(POLICY_SCOPE_INDEX, key(namespace, sandbox)));
                return found;
            }
        };
    }

    /** Whether a sandbox other than {@code self} waits for its first status (in the primary cache). */
    static boolean othersAwaitStatus(Context<AgentSandbox> context, AgentSandbox self) {
        return context.getPrimaryCache().byIndex(AWAITING_INDEX, AWAITING).stream()
                .anyMatch(other -> !other.getMetadata().getUid().equals(self.getMetadata().getUid()));
    }

    /** The pools of a template in a namespace. */
    static List<AgentSandboxPool> pools(Context<AgentSandbox> context, String namespace, String template) {
        return source(context, AgentSandboxPool.class, POOLS).list(namespace,
                pool -> template.equals(pool.getSpec().getTemplateRef().getName())).toList();
    }

    /**
     * The unclaimed pods of the namespace's pools, as last seen: from the informer of the sandboxes' pods, which
     * holds them too (a warm pod carries the operator's label). An informer of their own would be a second watch
     * of each warm pod, every event of it decrypted and parsed twice, in the burst of claims and refills above all.
     */
    static List<Pod> warmPods(Context<AgentSandbox> context, String namespace) {
        return source(context, Pod.class, SandboxPodDependentResource.NAME).list(namespace,
                pod -> pod.getMetadata().getLabels() != null
                        && pod.getMetadata().getLabels().containsKey(WarmSlots.POOL_LABEL)).toList();
    }

    /** An object of the informer registered under {@code name}, whoever owns it. */
    static <R extends HasMetadata> Optional<R> cached(Context<AgentSandbox> context, Class<R> type, String name,
                                                      ResourceID id) {
        return source(context, type, name).get(id);
    }

    /** The informer registered under {@code name}, for reading its cache (any controller's). */
    @SuppressWarnings("unchecked")
    static <R extends HasMetadata, P extends HasMetadata> InformerEventSource<R, P> source(Context<P> context,
                                                                                         Class<R> type, String name) {
        return (InformerEventSource<R, P>) context.eventSourceRetriever().getEventSourceFor(type, name);
    }

    private static <R extends HasMetadata> SecondaryToPrimaryMapper<R> referrers(IndexerResourceCache<AgentSandbox> sandboxes, String index, Function<R, String> keyOf) {
        return resource -> sandboxes.byIndex(index, keyOf.apply(resource)).stream()
                .map(ResourceID::fromResource)
                .collect(Collectors.toSet());
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }
}
