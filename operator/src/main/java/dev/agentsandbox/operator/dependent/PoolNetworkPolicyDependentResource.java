package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxPool;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/**
 * {@code <pool>-pool-egress}: the sandbox's NetworkPolicy for the pool's unclaimed pods ({@link WarmSlots}). It
 * exists before the pool's first pod and goes with the pool, after its pods.
 */
@KubernetesDependent(informer = @Informer(labelSelector = SandboxObjects.MANAGED_SELECTOR + "," + WarmSlots.POOL_LABEL))
public class PoolNetworkPolicyDependentResource
        extends CRUDKubernetesDependentResource<NetworkPolicy, AgentSandboxPool> {

    public static final String NAME = "pool-egress-networkpolicy";

    public PoolNetworkPolicyDependentResource() {
        super(NetworkPolicy.class);
    }

    @Override
    protected NetworkPolicy desired(AgentSandboxPool pool, Context<AgentSandboxPool> context) {
        return WarmSlots.networkPolicy(PlanHandoff.of(context), pool.getMetadata().getName());
    }

    /**
     * Exactly the sandbox's rules, as for a sandbox's own policy: the operator's client does not keep the field sets
     * that JOSDK's default (server-side apply) matcher compares against ({@code config/ManagedFieldSetsDropped}).
     */
    @Override
    public Matcher.Result<NetworkPolicy> match(NetworkPolicy actual, NetworkPolicy desired, AgentSandboxPool pool,
                                               Context<AgentSandboxPool> context) {
        return Matcher.Result.computed(EgressNetworkPolicyDependentResource.sameRules(actual, desired), desired);
    }
}
