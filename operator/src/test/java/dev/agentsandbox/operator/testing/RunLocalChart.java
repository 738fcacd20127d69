package dev.agentsandbox.operator.testing;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.readiness.Readiness;
import org.awaitility.core.ConditionTimeoutException;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static dev.agentsandbox.operator.testing.ClusterFixtures.eventually;

/**
 * The chart on the real node as {@code hack/run-local.sh} installs it (hack/run-local-node-values.yaml): the local
 * images, the operator as a Pod, and a {@code kata} RuntimeClass that runs under runc on the node, so the sandboxes
 * it reconciles run there for real. For the node tests that run sandboxes through the operator.
 */
public final class RunLocalChart {

    private static final Duration OPERATOR_START = Duration.ofSeconds(180);

    private RunLocalChart() {
    }

    /** Installs it into a fresh namespace and waits for a Ready operator Pod; returns that namespace. */
    public static String install(KubernetesClient client, EmbeddedNode node, String namespacePrefix) {
        node.loadImages(LocalChart.IMAGES, "operator", "sidecar", "agent");
        // The run values create the kata class (handler runc); ChartOnNodeIT leaves one of its own behind.
        client.resources(RuntimeClass.class).withName("kata").withTimeout(60, TimeUnit.SECONDS).delete();
        String releaseNamespace = ClusterFixtures.freshNamespace(client, namespacePrefix);
        LocalChart.install(node, releaseNamespace, ClusterFixtures.repositoryFile("hack/run-local-node-values.yaml"));
        try {
            eventually(OPERATOR_START).until(() -> client.pods().inNamespace(releaseNamespace).list().getItems()
                    .stream().anyMatch(Readiness::isPodReady));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no Ready operator Pod: " + node.kubectl("describe", "pods", "-n",
                    releaseNamespace), e);
        }
        return releaseNamespace;
    }

    public static void uninstall(EmbeddedNode node, String releaseNamespace) {
        if (releaseNamespace != null) {
            Helm.uninstall(LocalChart.RELEASE).withNamespace(releaseNamespace)
                    .withKubeConfig(node.controlPlane().kubeconfig()).ignoreNotFound().call();
        }
    }
}
