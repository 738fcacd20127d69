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
            AssertionError notReady = new AssertionError("no Ready operator Pod: " + node.kubectl("describe", "pods",
                    "-n", releaseNamespace) + "\nits log ends with:\n" + operatorLog(node, releaseNamespace), e);
            // Its cluster-scoped objects (ClusterRoles, the RuntimeClass) would refuse the next test's install.
            uninstall(node, releaseNamespace);
            throw notReady;
        }
        return releaseNamespace;
    }

    private static String operatorLog(EmbeddedNode node, String releaseNamespace) {
        try {
            return node.kubectl("logs", "-n", releaseNamespace, "--tail=40", "--all-containers", "-l",
                    "app.kubernetes.io/instance=" + LocalChart.RELEASE);
        } catch (RuntimeException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    public static void uninstall(EmbeddedNode node, String releaseNamespace) {
        if (releaseNamespace != null) {
            Helm.uninstall(LocalChart.RELEASE).withNamespace(releaseNamespace)
                    .withKubeConfig(node.controlPlane().kubeconfig()).ignoreNotFound().call();
        }
    }
}
