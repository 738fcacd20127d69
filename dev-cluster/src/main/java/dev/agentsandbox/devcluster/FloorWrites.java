package dev.agentsandbox.devcluster;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxStatus;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import dev.agentsandbox.operator.dependent.SandboxObjects;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The writes the operator makes for one sandbox on its way to Ready, copied from a sandbox it made Ready, for the
 * floor of {@link OperatorScale}: the driver makes them itself, with no operator running, so the time they take is
 * what the API server, the scheduler and kwok cost a sandbox whatever the operator does. Per sandbox, as the
 * operator writes them: its sidecar ConfigMap created, its egress NetworkPolicy and its Pod server-side applied, a
 * status while it starts and the Ready status once the Pod is Ready (applied to the status subresource), and the
 * warm-up sandbox's Events, created one at a time on a thread of their own as the operator's event sender does.
 */
final class FloorWrites implements AutoCloseable {

    /** The operator's field manager (its controller's name) and JOSDK's forced applies. */
    private static final PatchContext APPLY = new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY)
            .withFieldManager("agentsandbox").withForce(true).build();

    private final String sandboxName;
    private final ConfigMap configMap;
    private final NetworkPolicy policy;
    private final Pod pod;
    private final AgentSandboxStatus ready;
    private final List<Event> events;
    private final ExecutorService eventSender = Executors.newSingleThreadExecutor();

    private FloorWrites(String sandboxName, ConfigMap configMap, NetworkPolicy policy, Pod pod,
                        AgentSandboxStatus ready, List<Event> events) {
        this.sandboxName = sandboxName;
        this.configMap = configMap;
        this.policy = policy;
        this.pod = pod;
        this.ready = ready;
        this.events = events;
    }

    /** What the operator wrote for the Ready sandbox {@code name} of {@code namespace}. */
    static FloorWrites of(KubernetesClient client, String namespace, String name) {
        AgentSandbox sandbox = client.resources(AgentSandbox.class).inNamespace(namespace).withName(name).get();
        return new FloorWrites(name,
                client.configMaps().inNamespace(namespace).withName(SandboxObjects.configMapName(name)).get(),
                client.network().v1().networkPolicies().inNamespace(namespace)
                        .withName(SandboxObjects.networkPolicyName(name)).get(),
                client.pods().inNamespace(namespace).withName(SandboxObjects.podName(name)).get(),
                sandbox.getStatus(),
                client.v1().events().inNamespace(namespace).withField("involvedObject.name", name).list().getItems());
    }

    /** The ConfigMap, the NetworkPolicy and the Pod of {@code sandbox}, then its status while it starts. */
    void createChildren(KubernetesClient client, AgentSandbox sandbox) {
        client.resource(copyFor(configMap, sandbox)).create();
        client.resource(copyFor(policy, sandbox)).patch(APPLY);
        client.resource(copyFor(pod, sandbox)).patch(APPLY);
        applyStatus(client, sandbox, SandboxPhase.STARTING);
    }

    /** The Ready status, as the operator writes it once the sandbox's Pod is Ready, then its Events. */
    void ready(KubernetesClient client, AgentSandbox sandbox) {
        applyStatus(client, sandbox, SandboxPhase.READY);
        for (Event event : events) {
            Event copy = copyFor(event, sandbox);
            copy.getMetadata().setName(null);
            copy.getMetadata().setGenerateName(sandbox.getMetadata().getName() + ".");
            copy.getMetadata().setOwnerReferences(null);
            copy.getInvolvedObject().setUid(sandbox.getMetadata().getUid());
            copy.getInvolvedObject().setNamespace(sandbox.getMetadata().getNamespace());
            copy.getInvolvedObject().setResourceVersion(null);
            eventSender.execute(() -> client.v1().events().inNamespace(sandbox.getMetadata().getNamespace())
                    .resource(copy).create());
        }
    }

    private void applyStatus(KubernetesClient client, AgentSandbox sandbox, SandboxPhase phase) {
        AgentSandboxStatus status = Serialization.clone(ready);
        status.setPhase(phase);
        AgentSandbox applied = new AgentSandbox();
        applied.setMetadata(new ObjectMetaBuilder().withNamespace(sandbox.getMetadata().getNamespace())
                .withName(sandbox.getMetadata().getName()).build());
        applied.setStatus(status);
        client.resource(applied).subresource("status").patch(APPLY);
    }

    @Override
    public void close() {
        eventSender.shutdownNow();
    }

    /**
     * {@code object} as the operator would have written it for {@code sandbox}: the warm-up sandbox's name replaced
     * wherever it stands as a whole value or a name's prefix (object names, the sandbox label, the Pod's volumes and
     * the policy's selector), owned by {@code sandbox}, without what the API server filled in.
     */
    private <T extends HasMetadata> T copyFor(T object, AgentSandbox sandbox) {
        String name = sandbox.getMetadata().getName();
        String json = Serialization.asJson(object)
                .replace("\"" + sandboxName + "\"", "\"" + name + "\"")
                .replace("\"" + sandboxName + "-", "\"" + name + "-");
        @SuppressWarnings("unchecked")
        T copy = (T) Serialization.unmarshal(json, object.getClass());
        copy.getMetadata().setNamespace(sandbox.getMetadata().getNamespace());
        copy.getMetadata().setUid(null);
        copy.getMetadata().setResourceVersion(null);
        copy.getMetadata().setCreationTimestamp(null);
        copy.getMetadata().setManagedFields(null);
        copy.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder()
                .withApiVersion(sandbox.getApiVersion()).withKind(sandbox.getKind()).withName(name)
                .withUid(sandbox.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build()));
        if (copy instanceof Pod copiedPod) {
            copiedPod.getSpec().setNodeName(null);
            copiedPod.setStatus(null);
        }
        return copy;
    }
}
