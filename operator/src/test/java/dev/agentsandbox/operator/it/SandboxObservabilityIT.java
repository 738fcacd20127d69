package dev.agentsandbox.operator.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxStatus;
import dev.agentsandbox.operator.api.v1alpha1.EgressStatus;
import dev.agentsandbox.operator.api.v1alpha1.ModelUsageStatus;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import dev.agentsandbox.operator.reconciler.SecretKeysOnly;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.ControlPlaneExtension;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.agentsandbox.operator.testing.ClusterFixtures.TEST_FIELD_MANAGER;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the real API server contributes to showing what the sidecars see: the wide printer columns as kubectl gets
 * them (the server-side Table), and the managed-fields time of a changed Secret, which clears a credential an
 * upstream rejected before the change.
 */
@ExtendWith(ControlPlaneExtension.class)
class SandboxObservabilityIT {

    @BeforeAll
    static void installCrd(KubernetesClient client) {
        ClusterFixtures.installCrd(client);
    }

    @Test
    void kubectlGetWideShowsDenialsAndTokens(KubernetesClient client) throws Exception {
        String namespace = ClusterFixtures.freshNamespace(client, "columns");
        AgentSandbox sandbox = TestSandboxes.minimal(namespace, "wide");
        client.resource(sandbox).fieldManager(TEST_FIELD_MANAGER).serverSideApply();
        AgentSandboxStatus status = new AgentSandboxStatus();
        status.setPhase(SandboxPhase.READY);
        status.setEgress(new EgressStatus(40L, 7L, List.of()));
        status.setModel(new ModelUsageStatus(3L, 100L, 23L));
        AgentSandbox stored = client.resources(AgentSandbox.class).inNamespace(namespace).withName("wide").get();
        stored.setStatus(status);
        client.resource(stored).updateStatus();

        // What kubectl get -o wide asks for: the server renders the columns. (The client's own HTTP client: it
        // trusts the API server's certificate and authenticates.)
        var http = client.getHttpClient();
        var table = http.sendAsync(http.newHttpRequestBuilder().uri(client.getMasterUrl() + "apis/"
                        + AgentSandbox.GROUP + "/" + AgentSandbox.VERSION + "/namespaces/" + namespace + "/"
                        + AgentSandbox.PLURAL).header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").build(),
                String.class).get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(table.code()).as(table.body()).isEqualTo(200);
        JsonNode json = new ObjectMapper().readTree(table.body());
        List<String> columns = new ArrayList<>();
        json.path("columnDefinitions").forEach(c -> columns.add(c.path("name").asText() + "/" + c.path("priority")
                .asInt()));
        assertThat(columns).contains("Phase/0", "Denials/1", "Tokens/1");
        JsonNode cells = json.path("rows").get(0).path("cells");
        assertThat(cells.get(columns.indexOf("Denials/1")).asLong()).isEqualTo(7);
        assertThat(cells.get(columns.indexOf("Tokens/1")).asLong()).isEqualTo(123);
    }

    @Test
    void aChangedSecretCarriesItsChangeTimeIntoTheOperatorsCache(KubernetesClient client) throws Exception {
        String namespace = ClusterFixtures.freshNamespace(client, "rotation");
        client.resource(new SecretBuilder().withMetadata(new ObjectMetaBuilder().withName("key")
                        .withNamespace(namespace).build()).withStringData(Map.of("api-key", "test-not-a-real-key"))
                .build()).create();
        Instant created = lastChange(client.secrets().inNamespace(namespace).withName("key").get());
        Thread.sleep(1100); // managed-field times are whole seconds
        client.secrets().inNamespace(namespace).withName("key").edit(secret -> {
            secret.setStringData(Map.of("api-key", "test-not-a-real-key-rotated"));
            return secret;
        });

        Secret cached = new SecretKeysOnly().apply(client.secrets().inNamespace(namespace).withName("key").get());

        assertThat(lastChange(cached)).isAfter(created);
        assertThat(cached.getData()).containsOnlyKeys("api-key").allSatisfy((key, value) -> assertThat(value).isEmpty());
    }

    private static Instant lastChange(Secret secret) {
        return secret.getMetadata().getManagedFields().stream().map(ManagedFieldsEntry::getTime).map(Instant::parse)
                .max(Instant::compareTo).orElseThrow();
    }
}
