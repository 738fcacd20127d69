package dev.agentsandbox.operator.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.awaitility.Awaitility;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** What the integration tests set up on the control plane: the committed CRD, namespaces, RuntimeClasses. */
public final class ClusterFixtures {

    public static final String CRD_FILE = "crds/agentsandboxes.agentsandbox.dev-v1.yml";
    public static final String CRD_NAME = "agentsandboxes.agentsandbox.dev";
    /** Every committed CRD: the sandbox's and those of its templates and pools. */
    public static final List<String> CRD_FILES = List.of(CRD_FILE,
            "crds/agentsandboxtemplates.agentsandbox.dev-v1.yml", "crds/agentsandboxpools.agentsandbox.dev-v1.yml");
    /** Field manager of what the tests themselves apply (so it is never mistaken for the operator's). */
    public static final String TEST_FIELD_MANAGER = "agentsandbox-it";

    private static final ObjectMapper YAML = new YAMLMapper();
    private static final AtomicInteger NAMESPACES = new AtomicInteger();

    private ClusterFixtures() {
    }

    /** A file of the repository (the working directory of the module otherwise). */
    public static Path repositoryFile(String relative) {
        return Path.of(System.getProperty("project.root", "..")).resolve(relative);
    }

    /**
     * Applies the committed CRDs (server-side: AgentSandbox, AgentSandboxTemplate, AgentSandboxPool; the operator
     * watches all three) and waits until the API server serves them (Established). Returns the AgentSandbox CRD.
     */
    public static CustomResourceDefinition installCrd(KubernetesClient client) {
        List<String> names = CRD_FILES.stream().map(file -> installCrdFile(client, file)).toList();
        names.forEach(name -> client.apiextensions().v1().customResourceDefinitions().withName(name)
                .waitUntilCondition(ClusterFixtures::established, 60, java.util.concurrent.TimeUnit.SECONDS));
        return client.apiextensions().v1().customResourceDefinitions().withName(CRD_NAME).get();
    }

    private static String installCrdFile(KubernetesClient client, String file) {
        try (InputStream crd = Files.newInputStream(repositoryFile(file))) {
            CustomResourceDefinition loaded = client.apiextensions().v1().customResourceDefinitions().load(crd).item();
            client.resource(loaded).fieldManager(TEST_FIELD_MANAGER).forceConflicts().serverSideApply();
            return loaded.getMetadata().getName();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static boolean established(CustomResourceDefinition crd) {
        // A CRD the API server has just stored can carry a status whose conditions are still null.
        return crd != null && crd.getStatus() != null && crd.getStatus().getConditions() != null
                && crd.getStatus().getConditions().stream()
                .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** A new namespace named {@code <prefix>-<n>}: tests never see each other's objects. */
    public static String freshNamespace(KubernetesClient client, String prefix) {
        String name = prefix + "-" + NAMESPACES.incrementAndGet() + "-" + Long.toString(System.nanoTime() % 100000, 36);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
                .create();
        return name;
    }

    /** What the operator needs from a cluster: the CRD, the RuntimeClasses it allows, its own namespace. */
    public static void prepareForOperator(KubernetesClient client) {
        installCrd(client);
        installRuntimeClasses(client, RUNTIME_CLASSES);
        client.resource(new NamespaceBuilder().withNewMetadata().withName(OperatorProcess.OPERATOR_NAMESPACE)
                .endMetadata().build()).fieldManager(TEST_FIELD_MANAGER).serverSideApply();
    }

    /**
     * The RuntimeClasses the operator allows by default, with the handlers of a cluster with Kata Containers
     * (kata-deploy) and gVisor, which are also the chart's: a handler is immutable, so a dry run of the chart's
     * RuntimeClasses on a control plane these tests share must find the same handlers.
     */
    public static final Map<String, String> RUNTIME_CLASSES = Map.of("kata", "kata-qemu", "gvisor", "runsc");

    /** RuntimeClasses by name, with their handler. */
    public static void installRuntimeClasses(KubernetesClient client, Map<String, String> handlers) {
        handlers.forEach((name, handler) -> client.resource(new RuntimeClassBuilder().withNewMetadata().withName(name)
                .endMetadata().withHandler(handler).build()).fieldManager(TEST_FIELD_MANAGER).forceConflicts()
                .serverSideApply());
    }

    /** Every document of a multi-document YAML file, untyped: the API server sees exactly what the file says. */
    public static List<GenericKubernetesResource> readManifests(Path file) {
        try {
            return parseManifests(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Every object of a multi-document YAML text (empty documents and comments skipped). */
    public static List<GenericKubernetesResource> parseManifests(String yaml) {
        try {
            return YAML.readerFor(GenericKubernetesResource.class)
                    .<GenericKubernetesResource>readValues(yaml).readAll().stream()
                    .filter(r -> r != null && r.getKind() != null).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse YAML", e);
        }
    }

    /** Awaitility with the settings of these tests: poll often (events are fast here), fail after a bounded wait. */
    public static org.awaitility.core.ConditionFactory eventually(Duration atMost) {
        return Awaitility.await().pollInterval(Duration.ofMillis(250)).atMost(atMost).ignoreExceptions();
    }
}
