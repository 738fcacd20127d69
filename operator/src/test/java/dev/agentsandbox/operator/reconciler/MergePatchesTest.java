package dev.agentsandbox.operator.reconciler;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A merge patch is one PATCH request carrying only the patch: no read before it, no field of a stale copy. */
@EnableKubernetesMockClient(crud = true)
class MergePatchesTest {

    private static final String LABEL_PATCH = "{\"metadata\":{\"labels\":{\"claimed\":\"yes\"}}}";

    KubernetesMockServer server;
    KubernetesClient client;

    @Test
    void aPatchByNameIsOneRequest() throws Exception {
        client.resource(configMap("a", "b")).create();
        int before = server.getRequestCount();

        ConfigMap patched = MergePatches.patch(client, ConfigMap.class, "ns", "slot-config", LABEL_PATCH);

        assertThat(server.getRequestCount() - before).as("requests for one patch").isEqualTo(1);
        RecordedRequest request = server.getLastRequest();
        assertThat(request.getMethod()).isEqualTo("PATCH");
        assertThat(request.getPath()).isEqualTo("/api/v1/namespaces/ns/configmaps/slot-config");
        assertThat(request.getHeader("Content-Type")).startsWith("application/merge-patch+json");
        assertThat(patched.getMetadata().getLabels()).containsEntry("claimed", "yes");
        assertThat(patched.getData()).containsEntry("a", "b");
    }

    @Test
    void aPatchOfAHeldCopySendsThePatchAloneNotTheCopy() throws Exception {
        client.resource(configMap("a", "b")).create();
        ConfigMap stale = configMap("a", "stale");
        int before = server.getRequestCount();

        MergePatches.patch(client, stale, LABEL_PATCH);

        assertThat(server.getRequestCount() - before).isEqualTo(1);
        assertThat(client.configMaps().inNamespace("ns").withName("slot-config").get().getData())
                .as("what the held copy says is not written").containsEntry("a", "b");
    }

    @Test
    void podsAndCustomResourcesAreNamedByTheirTypeAlone() throws Exception {
        client.resource(new PodBuilder().withNewMetadata().withName("warm-1").withNamespace("ns").endMetadata()
                .build()).create();
        AgentSandbox sandbox = new AgentSandbox();
        sandbox.setMetadata(new ObjectMetaBuilder().withName("agent").withNamespace("ns").build());
        client.resource(sandbox).create();

        Pod pod = MergePatches.patch(client, Pod.class, "ns", "warm-1", LABEL_PATCH);
        String podPath = server.getLastRequest().getPath();
        AgentSandbox patched = MergePatches.patch(client, sandbox, LABEL_PATCH);

        assertThat(podPath).isEqualTo("/api/v1/namespaces/ns/pods/warm-1");
        assertThat(server.getLastRequest().getPath())
                .isEqualTo("/apis/agentsandbox.dev/v1alpha1/namespaces/ns/agentsandboxes/agent");
        assertThat(pod.getMetadata().getLabels()).containsEntry("claimed", "yes");
        assertThat(patched.getMetadata().getLabels()).containsEntry("claimed", "yes");
    }

    private static ConfigMap configMap(String key, String value) {
        return new ConfigMapBuilder().withNewMetadata().withName("slot-config").withNamespace("ns").endMetadata()
                .withData(Map.of(key, value)).build();
    }
}
