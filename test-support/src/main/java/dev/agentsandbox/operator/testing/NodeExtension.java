package dev.agentsandbox.operator.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;


/**
 * JUnit 5 extension: one {@link EmbeddedNode} (with its own control plane, API server on the node's address) per
 * test JVM, started by the first test class that needs it, stopped with JUnit's root store. Injects the
 * {@link EmbeddedNode} and its {@link KubernetesClient}. Separate from {@link ControlPlaneExtension}: the kwok tier
 * stays on loopback and fast; this one needs root and a Linux host. On another OS the tests are skipped; on Linux a
 * node that cannot start fails the test class with the one-line reason of {@code hack/node-host.sh}.
 */
public final class NodeExtension implements ParameterResolver {

    /** A kwok Node next to the real one: untolerating Pods must keep landing there. */
    static final int FAKE_NODES = 1;

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(NodeExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == KubernetesClient.class || type == EmbeddedNode.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        EmbeddedNode node = node(context);
        return parameter.getParameter().getType() == KubernetesClient.class ? node.client() : node;
    }

    public static EmbeddedNode node(ExtensionContext context) {
        Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"),
                "a real node needs Linux");
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(SharedNode.class, key -> new SharedNode(start()), SharedNode.class)
                .node();
    }

    private static EmbeddedNode start() {
        return EmbeddedNode.start(ControlPlaneExtension.freshWorkDir("node-"), FAKE_NODES);
    }

    private record SharedNode(EmbeddedNode node) implements AutoCloseable {
        @Override
        public void close() {
            node.close();
        }
    }
}
