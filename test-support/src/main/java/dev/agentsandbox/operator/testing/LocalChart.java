package dev.agentsandbox.operator.testing;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.Release;

import java.nio.file.Path;
import java.util.List;

/**
 * The Helm chart on the embedded node with the locally built images (hack/local-node-values.yaml), as
 * {@code helm install} does: the node tests and {@code hack/run-local.sh} install it the same way.
 */
public final class LocalChart {

    public static final Path CHART = ClusterFixtures.repositoryFile("charts/agentsandbox-operator");
    public static final String RELEASE = "agentsandbox-operator";
    /** Where hack/build-images.sh writes the image archives. */
    public static final Path IMAGES = Path.of(System.getProperty("agentsandbox.images.dir",
            System.getProperty("user.home") + "/.agentsandbox/images"));
    /** The local test agent image (hack/images/agent): bash, curl, git, python3, node. */
    public static final String AGENT_IMAGE = "localhost/agentsandbox/agent:dev";

    private LocalChart() {
    }

    /** Installs release {@link #RELEASE} into {@code namespace}; {@code moreValues} go on top of the local ones. */
    public static Release install(EmbeddedNode node, String namespace, Path... moreValues) {
        InstallCommand install = new Helm(CHART).install().withName(RELEASE).withNamespace(namespace)
                .withKubeConfig(node.controlPlane().kubeconfig())
                .withValuesFile(ClusterFixtures.repositoryFile("hack/local-node-values.yaml").toAbsolutePath());
        for (Path values : List.of(moreValues)) {
            install = install.withValuesFile(values.toAbsolutePath());
        }
        Release release = install.call();
        takeBackStopSignals();
        return release;
    }

    /**
     * helm-java loads Helm as a Go shared library, whose runtime installs its own handlers for SIGINT and SIGTERM:
     * after it, Ctrl+C and kill no longer reach the JVM, its shutdown hooks never run and the node is left running.
     * Installing the JVM's handlers again gives them back (exit codes as the JVM's own: 128 + signal).
     */
    @SuppressWarnings("sunapi")
    static void takeBackStopSignals() {
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), signal -> System.exit(130));
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> System.exit(143));
    }
}
