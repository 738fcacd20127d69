package dev.agentsandbox.operator.it;

import dev.agentsandbox.operator.testing.ChildProcess;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.EmbeddedControlPlane;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

import static dev.agentsandbox.operator.testing.ClusterFixtures.eventually;

/**
 * The kubernetes-sigs/agent-sandbox controller's warm pool, for {@link WarmPoolBenchmark}'s ratio: a SandboxTemplate
 * of one container, a SandboxWarmPool of it, and SandboxClaims of the template, timed as the AgentSandboxes are
 * (create → the claim's {@code Ready} condition True, as its watch shows it). A claim whose Sandbox is not named after
 * the claim took a warm one. The controller is the binary {@code bench/agent-sandbox-controller.sh} builds, run with
 * its extensions, without its webhook and leader election (as dev-cluster's OperatorScale runs it).
 */
final class PeerWarmPool implements AutoCloseable {

    private static final String GROUP = "extensions.agents.x-k8s.io";
    private static final ResourceDefinitionContext CLAIMS = context(GROUP, "sandboxclaims", "SandboxClaim");
    private static final ResourceDefinitionContext POOLS = context(GROUP, "sandboxwarmpools", "SandboxWarmPool");
    private static final ResourceDefinitionContext TEMPLATES = context(GROUP, "sandboxtemplates", "SandboxTemplate");
    private static final String TEMPLATE = "python";
    private static final String POOL = "warm";

    private final KubernetesClient client;
    private final ChildProcess manager;

    private PeerWarmPool(KubernetesClient client, ChildProcess manager) {
        this.client = client;
        this.manager = manager;
    }

    /** Installs the peer's CRDs (the build's {@code crds/}) and starts its controller. */
    static PeerWarmPool start(EmbeddedControlPlane plane, Path build) throws Exception {
        KubernetesClient client = plane.client();
        List<Path> crds;
        try (Stream<Path> files = Files.list(build.resolve("crds"))) {
            crds = files.filter(f -> f.getFileName().toString().endsWith(".yaml")).sorted().toList();
        }
        for (Path file : crds) {
            GenericKubernetesResource crd = ClusterFixtures.readManifests(file).get(0);
            // Its conversion webhook needs the controller's Service: the stored version is all the bench uses.
            @SuppressWarnings("unchecked")
            Map<String, Object> spec = (Map<String, Object>) crd.getAdditionalProperties().get("spec");
            spec.put("conversion", Map.of("strategy", "None"));
            client.resource(crd).fieldManager(ClusterFixtures.TEST_FIELD_MANAGER).forceConflicts().serverSideApply();
            eventually(Duration.ofMinutes(1)).until(() -> ClusterFixtures.established(client.apiextensions().v1()
                    .customResourceDefinitions().withName(crd.getMetadata().getName()).get()));
        }
        ChildProcess manager = ChildProcess.start("agent-sandbox-controller", List.of(
                        build.resolve("manager").toString(), "--extensions", "--enable-webhook=false",
                        "--leader-elect=false", "--metrics-bind-address=0",
                        "--health-probe-bind-address=127.0.0.1:0", "--kubeconfig", plane.kubeconfig().toString()),
                Map.of("KUBECONFIG", plane.kubeconfig().toString()), plane.workDir().resolve("logs"));
        return new PeerWarmPool(client, manager);
    }

    /** A namespace with the template and a warm pool of {@code warm} ready Sandboxes (none: cold). */
    String prepare(int warm) {
        manager.assertAlive();
        String namespace = ClusterFixtures.freshNamespace(client, "peer");
        client.genericKubernetesResources(TEMPLATES).inNamespace(namespace).resource(object(TEMPLATES, namespace,
                TEMPLATE, Map.of("podTemplate", Map.of("spec", Map.of("containers", List.of(Map.of(
                        "name", "agent", "image", "registry.test/agent:1"))))))).create();
        // A claim names a pool (v1beta1); one of no replicas starts each claim's Sandbox cold.
        client.genericKubernetesResources(POOLS).inNamespace(namespace).resource(object(POOLS, namespace, POOL,
                Map.of("replicas", warm, "sandboxTemplateRef", Map.of("name", TEMPLATE)))).create();
        eventually(WarmPoolBenchmark.WAIT).until(() -> readyReplicas(namespace) == warm);
        return namespace;
    }

    WarmPoolBenchmark.ReadyClock<GenericKubernetesResource> claims(String namespace) {
        return new WarmPoolBenchmark.ReadyClock<>(client.genericKubernetesResources(CLAIMS).inNamespace(namespace),
                PeerWarmPool::claimReady, name -> client.genericKubernetesResources(CLAIMS).inNamespace(namespace)
                .resource(object(CLAIMS, namespace, name, Map.of("warmPoolRef", Map.of("name", POOL))))
                .create());
    }

    /** Claims whose Sandbox is a pool's (named after the pool, not after the claim). */
    long adopted(String namespace) {
        return client.genericKubernetesResources(CLAIMS).inNamespace(namespace).list().getItems().stream()
                .filter(claim -> {
                    Object sandbox = field(claim, "status", "sandbox", "name");
                    return sandbox != null && !sandbox.equals(claim.getMetadata().getName());
                }).count();
    }

    private int readyReplicas(String namespace) {
        GenericKubernetesResource pool = client.genericKubernetesResources(POOLS).inNamespace(namespace)
                .withName(POOL).get();
        Object ready = pool == null ? null : field(pool, "status", "readyReplicas");
        return ready instanceof Number n ? n.intValue() : 0;
    }

    private static boolean claimReady(GenericKubernetesResource claim) {
        Object conditions = field(claim, "status", "conditions");
        return conditions instanceof List<?> list && list.stream().anyMatch(c -> c instanceof Map<?, ?> condition
                && "Ready".equals(condition.get("type")) && "True".equals(condition.get("status")));
    }

    private static Object field(GenericKubernetesResource object, String... path) {
        Object value = object.getAdditionalProperties();
        for (String key : path) {
            if (!(value instanceof Map<?, ?> map)) {
                return null;
            }
            value = map.get(key);
        }
        return value;
    }

    private static GenericKubernetesResource object(ResourceDefinitionContext type, String namespace, String name,
                                                    Map<String, Object> spec) {
        GenericKubernetesResource object = new GenericKubernetesResource();
        object.setApiVersion(type.getGroup() + "/" + type.getVersion());
        object.setKind(type.getKind());
        object.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        object.setAdditionalProperty("spec", spec);
        return object;
    }

    private static ResourceDefinitionContext context(String group, String plural, String kind) {
        return new ResourceDefinitionContext.Builder().withGroup(group).withVersion("v1beta1").withPlural(plural)
                .withKind(kind).withNamespaced(true).build();
    }

    @Override
    public void close() {
        if (Objects.nonNull(manager)) {
            manager.close();
        }
    }
}
