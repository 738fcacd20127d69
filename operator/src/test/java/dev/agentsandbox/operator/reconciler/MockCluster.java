package dev.agentsandbox.operator.reconciler;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.kubernetes.client.KubernetesServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The cluster every operator test starts from, set up before the operator starts: the CRD (so the mock server
 * serves the status subresource) and the RuntimeClass {@code kata}. {@code gvisor} is allowed but absent.
 */
public class MockCluster implements Consumer<KubernetesServer> {

    static final String CRD = "crds/agentsandboxes.agentsandbox.dev-v1.yml";

    @Override
    public void accept(KubernetesServer server) {
        KubernetesClient client = server.getClient();
        try (InputStream crd = Files.newInputStream(projectRoot().resolve(CRD))) {
            client.resource(client.getKubernetesSerialization().unmarshal(crd, CustomResourceDefinition.class))
                    .create();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        client.resource(new RuntimeClassBuilder().withNewMetadata().withName("kata").endMetadata()
                .withHandler("kata").build()).create();
    }

    static Path projectRoot() {
        String root = System.getProperty("project.root");
        return root != null ? Path.of(root) : Path.of("..");
    }
}
