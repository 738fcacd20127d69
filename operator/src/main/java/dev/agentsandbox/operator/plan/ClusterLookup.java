package dev.agentsandbox.operator.plan;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxTemplate;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;

import java.util.List;
import java.util.Optional;

/**
 * The cluster objects a sandbox refers to but does not own, and the NetworkPolicies around it, as the operator's
 * informers see them.
 */
public interface ClusterLookup {

    /** A Secret with its key names; the values are not kept (see {@code SecretKeysOnly}). */
    Optional<Secret> secret(String namespace, String name);

    Optional<RuntimeClass> runtimeClass(String name);

    Optional<Service> service(String namespace, String name);

    Optional<AgentSandboxTemplate> template(String namespace, String name);

    /**
     * The NetworkPolicies of the namespace, the operator's and anyone else's, that may select the pod of
     * {@code sandbox}: all but those whose pod selector requires another sandbox's label (one per sandbox of the
     * namespace, the operator's own among them, which cannot select this pod whatever else they say).
     */
    List<NetworkPolicy> networkPoliciesThatMaySelect(String namespace, String sandbox);
}
