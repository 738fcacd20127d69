package dev.agentsandbox.operator.plan;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;

import java.util.Optional;

/** The cluster objects a sandbox refers to but does not own, as the operator's informers see them. */
public interface ClusterLookup {

    /** A Secret with its key names; the values are not kept (see {@code SecretKeysOnly}). */
    Optional<Secret> secret(String namespace, String name);

    Optional<RuntimeClass> runtimeClass(String name);

    Optional<Service> service(String namespace, String name);
}
