package dev.agentsandbox.operator.it;

import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxPool;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxPoolSpec;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxSpec;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxTemplate;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;
import dev.agentsandbox.operator.api.v1alpha1.TemplateRef;
import dev.agentsandbox.operator.dependent.SandboxObjects;
import dev.agentsandbox.operator.dependent.WarmSlots;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;

import java.util.List;
import java.util.Optional;

/** Templates, pools and templated sandboxes on the embedded control plane, and what the pool tests wait for. */
final class Pools {

    private Pools() {
    }

    /** A template of the minimal sandbox (an agent image). */
    static AgentSandboxTemplate template(KubernetesClient client, String namespace, String name, String image) {
        AgentSandboxTemplate template = new AgentSandboxTemplate();
        template.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        template.setSpec(TestSandboxes.minimal(namespace, name).getSpec());
        template.getSpec().getAgent().setImage(image);
        return client.resource(template).fieldManager(ClusterFixtures.TEST_FIELD_MANAGER).forceConflicts()
                .serverSideApply();
    }

    static AgentSandboxPool pool(KubernetesClient client, String namespace, String name, String template,
                                 int replicas) {
        AgentSandboxPool pool = new AgentSandboxPool();
        pool.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        AgentSandboxPoolSpec spec = new AgentSandboxPoolSpec();
        spec.setTemplateRef(new TemplateRef(template));
        spec.setReplicas(replicas);
        pool.setSpec(spec);
        return client.resource(pool).fieldManager(ClusterFixtures.TEST_FIELD_MANAGER).forceConflicts()
                .serverSideApply();
    }

    /** A sandbox that names a template and sets nothing else. */
    static AgentSandbox templated(String namespace, String name, String template) {
        AgentSandbox sandbox = new AgentSandbox();
        sandbox.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        AgentSandboxSpec spec = new AgentSandboxSpec();
        spec.setTemplateRef(new TemplateRef(template));
        sandbox.setSpec(spec);
        return sandbox;
    }

    static Resource<AgentSandboxPool> poolResource(KubernetesClient client, String namespace, String name) {
        return client.resources(AgentSandboxPool.class).inNamespace(namespace).withName(name);
    }

    /** The pool's unclaimed pods (not terminating). */
    static List<Pod> unclaimed(KubernetesClient client, String namespace, String pool) {
        return client.pods().inNamespace(namespace).withLabel(WarmSlots.POOL_LABEL, pool).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    }

    static int readyReplicas(KubernetesClient client, String namespace, String pool) {
        AgentSandboxPool current = poolResource(client, namespace, pool).get();
        return current.getStatus() == null || current.getStatus().getReadyReplicas() == null ? 0
                : current.getStatus().getReadyReplicas();
    }

    static Optional<SandboxCondition> condition(AgentSandbox sandbox, String type) {
        return sandbox.getStatus() == null ? Optional.empty()
                : sandbox.getStatus().getConditions().stream().filter(c -> type.equals(c.type())).findFirst();
    }

    static Optional<SandboxCondition> poolReady(KubernetesClient client, String namespace, String pool) {
        AgentSandboxPool current = poolResource(client, namespace, pool).get();
        return current.getStatus() == null ? Optional.empty() : current.getStatus().getConditions().stream()
                .filter(c -> "Ready".equals(c.type())).findFirst();
    }

    /** The pod a sandbox runs in, whatever its name (adopted pods keep their slot's). */
    static Pod podOf(KubernetesClient client, String namespace, String sandbox) {
        List<Pod> pods = client.pods().inNamespace(namespace).withLabel(SandboxObjects.SANDBOX_LABEL, sandbox).list()
                .getItems();
        return pods.size() == 1 ? pods.get(0) : null;
    }
}
