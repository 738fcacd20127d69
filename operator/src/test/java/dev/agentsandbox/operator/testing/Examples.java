package dev.agentsandbox.operator.testing;

import dev.agentsandbox.operator.api.v1alpha1.AgentResources;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxSpec;
import dev.agentsandbox.operator.api.v1alpha1.CredentialSpec;
import dev.agentsandbox.operator.api.v1alpha1.RunnerRef;
import dev.agentsandbox.operator.api.v1alpha1.WorkspaceSpec;
import dev.agentsandbox.operator.dependent.SandboxObjects;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Applies a file of {@code examples/} as a user who followed its comments would: the namespace, the Secrets its
 * credentials name (placeholder values) unless the file brings them, the RuntimeClass, the Model Runner Service and a
 * volume for the workspace claim (the embedded cluster has no storage provisioner), then every object of the file.
 */
public final class Examples {

    /** The operator's defaults (application.properties) that an example may rely on. */
    static final String DEFAULT_RUNTIME_CLASS = "kata";
    static final String DEFAULT_RUNNER_SERVICE = "docker-model-runner";
    static final String DEFAULT_RUNNER_NAMESPACE = "model-runner";
    static final int DEFAULT_RUNNER_PORT = 80;
    static final int RUNNER_TARGET_PORT = 12434;

    private Examples() {
    }

    /** Every YAML file of {@code examples/}, sorted. */
    public static List<Path> files() {
        try (Stream<Path> listing = Files.list(ClusterFixtures.repositoryFile("examples"))) {
            return listing.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Applies {@code file} into {@code namespace} (null: each object's own, else {@code default}) with
     * {@code fieldManager}; tells {@code report} what it creates besides the file's objects. Returns the
     * AgentSandboxes as applied.
     */
    public static List<AgentSandbox> apply(KubernetesClient client, Path file, String namespace, String fieldManager,
                                           Consumer<String> report) {
        return apply(client, ClusterFixtures.readManifests(file), namespace, fieldManager, report, false);
    }

    /**
     * As {@link #apply(KubernetesClient, Path, String, String, Consumer)}, for manifests already read;
     * {@code realNode}: the workspace volumes are made for the {@link EmbeddedNode} to mount (this process must run
     * on its host), not placeholders for kwok.
     */
    public static List<AgentSandbox> apply(KubernetesClient client, List<GenericKubernetesResource> manifests,
                                           String namespace, String fieldManager, Consumer<String> report,
                                           boolean realNode) {
        for (GenericKubernetesResource manifest : manifests) {
            if (namespace != null || manifest.getMetadata().getNamespace() == null) {
                manifest.getMetadata().setNamespace(namespace != null ? namespace : "default");
            }
        }
        List<AgentSandbox> sandboxes = manifests.stream().filter(m -> AgentSandbox.KIND.equals(m.getKind()))
                .map(m -> client.getKubernetesSerialization().convertValue(m, AgentSandbox.class)).toList();
        List<GenericKubernetesResource> others = manifests.stream()
                .filter(m -> !AgentSandbox.KIND.equals(m.getKind())).toList();

        Set<String> namespaces = new LinkedHashSet<>();
        manifests.forEach(m -> namespaces.add(m.getMetadata().getNamespace()));
        namespaces.forEach(n -> apply(client, fieldManager,
                new NamespaceBuilder().withNewMetadata().withName(n).endMetadata().build()));
        others.forEach(o -> apply(client, fieldManager, o));

        for (AgentSandbox sandbox : sandboxes) {
            List<HasMetadata> references = references(client, sandbox, realNode);
            if (!references.isEmpty()) {
                report.accept("creating what " + sandbox.getMetadata().getName() + " refers to: " + String.join(", ",
                        references.stream().map(Examples::describe).toList()));
            }
            references.forEach(r -> apply(client, fieldManager, r));
        }
        return sandboxes.stream().map(s -> client.resource(s).fieldManager(fieldManager).forceConflicts()
                .serverSideApply()).toList();
    }

    /**
     * What an example's AgentSandbox needs to run on this machine's {@link EmbeddedNode} (hack/run-local.sh and the
     * node test that proves it), everything else kept: the local agent test image, running {@code bash} (the
     * example's {@code openclaw} is not in it; stdin and tty keep bash alive for {@code kubectl exec} and
     * {@code attach}); no {@code spec.workspace.git} (the example clones from github.com, which this machine cannot
     * reach); requests far below the example's limits (on limits alone a request equals the limit, and 2 CPUs would
     * not fit on a 2-core node beside the operator).
     */
    public static GenericKubernetesResource localize(KubernetesClient client, GenericKubernetesResource manifest) {
        AgentSandbox sandbox = client.getKubernetesSerialization().convertValue(manifest, AgentSandbox.class);
        sandbox.getSpec().getAgent().setImage(LocalChart.AGENT_IMAGE);
        sandbox.getSpec().getAgent().setCommand(List.of("bash"));
        sandbox.getSpec().getAgent().setArgs(List.of());
        if (sandbox.getSpec().getWorkspace() != null) {
            sandbox.getSpec().getWorkspace().setGit(null);
        }
        AgentResources resources = sandbox.getSpec().getAgent().getResources() != null
                ? sandbox.getSpec().getAgent().getResources() : new AgentResources();
        resources.setRequests(Map.of("cpu", new Quantity("100m"), "memory", new Quantity("256Mi")));
        sandbox.getSpec().getAgent().setResources(resources);
        return client.getKubernetesSerialization().convertValue(sandbox, GenericKubernetesResource.class);
    }

    /** What the sandbox needs and the cluster lacks. */
    private static List<HasMetadata> references(KubernetesClient client, AgentSandbox sandbox, boolean realNode) {
        String namespace = sandbox.getMetadata().getNamespace();
        AgentSandboxSpec spec = sandbox.getSpec();
        List<HasMetadata> needed = new ArrayList<>();

        String runtimeClass = spec.getRuntimeClassName() != null ? spec.getRuntimeClassName() : DEFAULT_RUNTIME_CLASS;
        if (client.resources(RuntimeClass.class).withName(runtimeClass).get() == null) {
            needed.add(new RuntimeClassBuilder().withNewMetadata()
                    .withName(runtimeClass).endMetadata()
                    .withHandler(ClusterFixtures.RUNTIME_CLASSES.getOrDefault(runtimeClass, runtimeClass)).build());
        }
        for (CredentialSpec credential : spec.getCredentials() == null ? List.<CredentialSpec>of()
                : spec.getCredentials()) {
            String secret = credential.getSecretRef().getName();
            if (client.secrets().inNamespace(namespace).withName(secret).get() == null
                    && needed.stream().noneMatch(n -> n.getKind().equals("Secret")
                    && n.getMetadata().getName().equals(secret))) {
                needed.add(new SecretBuilder().withNewMetadata().withName(secret).withNamespace(namespace)
                        .endMetadata().addToStringData(credential.getSecretRef().getKey(), "placeholder-not-a-key")
                        .build());
            }
        }
        if (spec.getModel() != null) {
            RunnerRef runner = spec.getModel().getRunner();
            String service = runner != null && runner.getService() != null ? runner.getService()
                    : DEFAULT_RUNNER_SERVICE;
            String runnerNamespace = runner != null && runner.getNamespace() != null ? runner.getNamespace()
                    : DEFAULT_RUNNER_NAMESPACE;
            int port = runner != null && runner.getPort() != null ? runner.getPort() : DEFAULT_RUNNER_PORT;
            if (client.services().inNamespace(runnerNamespace).withName(service).get() == null) {
                needed.add(new NamespaceBuilder().withNewMetadata().withName(runnerNamespace).endMetadata().build());
                needed.add(new ServiceBuilder().withNewMetadata().withName(service).withNamespace(runnerNamespace)
                        .endMetadata().withNewSpec().addNewPort().withPort(port).withNewTargetPort(RUNNER_TARGET_PORT)
                        .endPort().endSpec().build());
            }
        }
        WorkspaceSpec workspace = spec.getWorkspace();
        if (workspace != null && workspace.getSize() != null) {
            String claim = SandboxObjects.workspaceClaimName(sandbox.getMetadata().getName());
            // Bound in advance to this claim only, so that sandboxes never take each other's volume.
            PersistentVolumeBuilder volume = new PersistentVolumeBuilder().withNewMetadata()
                    .withName(namespace + "-" + claim).endMetadata().withNewSpec()
                    .withStorageClassName(workspace.getStorageClassName() == null ? ""
                            : workspace.getStorageClassName())
                    .withCapacity(Map.of("storage", workspace.getSize())).withAccessModes("ReadWriteOnce")
                    .withNewClaimRef().withNamespace(namespace).withName(claim).endClaimRef().endSpec();
            if (realNode) {
                needed.add(localVolume(volume, namespace + "-" + claim));
            } else {
                // Never mounted: pods on kwok Nodes do not run.
                needed.add(volume.editSpec().withNewHostPath().withPath("/tmp/agentsandbox-workspace").endHostPath()
                        .endSpec().build());
            }
        }
        return needed;
    }

    /**
     * A local volume under the node's data directory (its cleanup removes it): unlike hostPath, the kubelet gives a
     * local volume the pod's fsGroup, so the agent's non-root user can write its workspace, as with a provisioned
     * volume. A local volume must exist and name its node.
     */
    private static HasMetadata localVolume(PersistentVolumeBuilder volume, String name) {
        Path directory = EmbeddedNode.DATA_DIR.resolve("workspaces").resolve(name);
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the workspace volume's directory " + directory, e);
        }
        return volume.editSpec().withNewLocal().withPath(directory.toString()).endLocal().withNewNodeAffinity()
                .withNewRequired().addNewNodeSelectorTerm().addNewMatchExpression().withKey("kubernetes.io/hostname")
                .withOperator("In").withValues(EmbeddedNode.NODE_NAME).endMatchExpression().endNodeSelectorTerm()
                .endRequired().endNodeAffinity().endSpec().build();
    }

    private static void apply(KubernetesClient client, String fieldManager, HasMetadata object) {
        client.resource(object).fieldManager(fieldManager).forceConflicts().serverSideApply();
    }

    private static String describe(HasMetadata object) {
        String namespace = object.getMetadata().getNamespace();
        return object.getKind() + " " + (namespace == null ? "" : namespace + "/") + object.getMetadata().getName();
    }
}
