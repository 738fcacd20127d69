package dev.agentsandbox.devcluster;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.EmbeddedNode;
import dev.agentsandbox.operator.testing.Examples;
import dev.agentsandbox.operator.testing.LocalChart;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.readiness.Readiness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;

/**
 * {@code hack/run-local.sh} on the real node: the control plane and the node ({@link EmbeddedNode}), the local
 * images, the chart (the operator as a Pod), then {@code examples/reference.yaml} made runnable here by
 * {@link Examples#localize}; waits for the sandbox to be Ready and runs until interrupted.
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
                    .map(m -> AgentSandbox.KIND.equals(m.getKind()) ? Examples.localize(client, m) : m).toList();
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
