package dev.agentsandbox.operator.testing;

import dev.agentsandbox.operator.api.v1alpha1.AgentResources;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.readiness.Readiness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code hack/run-local.sh} on the real node: the control plane and the node ({@link EmbeddedNode}), the local
 * images, the chart (the operator as a Pod), then {@code examples/reference.yaml} made runnable here by
 * {@link #localize}; waits for the sandbox to be Ready and runs until interrupted.
 *
 * <p>Arguments: the work directory (logs, kubeconfig) and optionally the example to apply.
 */
public final class LocalNodeRun {

    /** The release namespace, as a platform team would choose it. */
    static final String NAMESPACE = "agentsandbox-system";
    static final Path RUN_VALUES = ClusterFixtures.repositoryFile("hack/run-local-node-values.yaml");
    private static final Duration OPERATOR_START = Duration.ofSeconds(180);
    private static final Duration SANDBOX_READY = Duration.ofSeconds(300);

    private LocalNodeRun() {
    }

    public static void main(String[] args) throws Exception {
        Path workDir = Paths.get(args.length > 0 ? args[0] : "target/run-local").toAbsolutePath();
        Path example = ClusterFixtures.repositoryFile(args.length > 1 ? args[1] : "examples/reference.yaml");
        Files.createDirectories(workDir);
        long started = System.nanoTime();

        LocalRun.say("starting the control plane and the node (containerd, kubelet, kube-proxy, CoreDNS,"
                + " kube-router) on " + EmbeddedNode.NODE_IP + "; logs in " + workDir.resolve("logs"));
        try (EmbeddedNode node = EmbeddedNode.start(workDir, 0)) {
            KubernetesClient client = node.client();
            LocalRun.say("importing the local images into the node's containerd (hack/load-images.sh)");
            node.loadImages(LocalChart.IMAGES, "operator", "sidecar", "agent");
            LocalRun.say("helm install " + LocalChart.RELEASE + " " + LocalChart.CHART + " -n " + NAMESPACE
                    + " -f hack/local-node-values.yaml -f " + ClusterFixtures.repositoryFile(".").relativize(RUN_VALUES));
            client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                    .withName(NAMESPACE).endMetadata().build()).create();
            LocalChart.install(node, NAMESPACE, RUN_VALUES);
            awaitOperator(client);

            List<GenericKubernetesResource> manifests = ClusterFixtures.readManifests(example).stream()
                    .map(m -> AgentSandbox.KIND.equals(m.getKind()) ? localize(client, m) : m).toList();
            LocalRun.say("applying " + example.getFileName() + " with, for this machine: agent image "
                    + LocalChart.AGENT_IMAGE + " running bash, no spec.workspace.git (offline), small requests");
            List<AgentSandbox> sandboxes = Examples.apply(client, manifests, null, "kubectl", LocalRun::say, true);
            boolean allReady = true;
            for (AgentSandbox sandbox : sandboxes) {
                allReady &= LocalRun.awaitReady(client, sandbox, SANDBOX_READY);
                LocalRun.show(node.controlPlane(), sandbox);
            }
            LocalRun.say((allReady ? "Ready" : "NOT Ready") + " after "
                    + Duration.ofNanos(System.nanoTime() - started).toSeconds() + " s");
            String exec = sandboxes.stream().map(s -> "    kubectl exec -it -n " + s.getMetadata().getNamespace()
                    + " " + s.getMetadata().getName() + "-sandbox -c agent -- bash").reduce("", (a, b) -> a + b + "\n");
            LocalRun.say("the cluster and the node keep running; explore with:\n\n    export KUBECONFIG="
                    + node.controlPlane().kubeconfig() + "\n    export PATH="
                    + node.controlPlane().binaries().directory() + ":$PATH\n" + exec
                    + "\nPress Ctrl+C to stop everything (the node's cleanup removes what it made).");
            LocalRun.awaitInterrupt(() -> false);
        }
    }

    /**
     * What {@code examples/reference.yaml} needs to run on this machine, everything else kept: the local agent
     * test image, running {@code bash} (the example's {@code openclaw} is not in it; stdin and tty keep bash alive
     * for {@code kubectl exec} and {@code attach}); no {@code spec.workspace.git} (the example clones from
     * github.com, which this machine cannot reach); requests far below the example's limits (on limits alone a
     * request equals the limit, and 2 CPUs would not fit on a 2-core node beside the operator).
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

    private static void awaitOperator(KubernetesClient client) {
        long deadline = System.nanoTime() + OPERATOR_START.toNanos();
        while (System.nanoTime() < deadline) {
            if (client.pods().inNamespace(NAMESPACE).withLabel("app.kubernetes.io/instance", LocalChart.RELEASE)
                    .list().getItems().stream().anyMatch(Readiness::isPodReady)) {
                LocalRun.say("the operator Pod is Ready");
                return;
            }
            LocalRun.sleep(Duration.ofSeconds(1));
        }
        throw new IllegalStateException("no Ready operator Pod in " + NAMESPACE + " within " + OPERATOR_START
                + ": kubectl -n " + NAMESPACE + " describe pods");
    }
}
