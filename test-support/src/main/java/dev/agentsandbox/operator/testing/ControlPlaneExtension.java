package dev.agentsandbox.operator.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * JUnit 5 extension: one {@link EmbeddedControlPlane} per test JVM, started by the first test class that needs it
 * and stopped when JUnit closes the root store (after the last test class; a shutdown hook covers a killed run).
 * Injects the {@link KubernetesClient} and the {@link EmbeddedControlPlane} as test or lifecycle method parameters.
 *
 * <pre>{@code
 * @ExtendWith(ControlPlaneExtension.class)
 * class SomethingIT {
 *     @Test
 *     void works(KubernetesClient client) { ... }
 * }
 * }</pre>
 *
 * <p>System properties: {@code control-plane.work-dir} (logs, certificates, etcd data: a fresh {@code run-*}
 * directory below it; default the temp directory) and {@code kube-api-test.dir} (see {@link ControlPlaneBinaries}).
 */
public final class ControlPlaneExtension implements ParameterResolver {

    /** Two fake Nodes: enough to see the scheduler choose, cheap enough for kwok. */
    static final int FAKE_NODES = 2;

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(ControlPlaneExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == KubernetesClient.class || type == EmbeddedControlPlane.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        EmbeddedControlPlane plane = controlPlane(context);
        return parameter.getParameter().getType() == KubernetesClient.class ? plane.client() : plane;
    }

    /** The control plane of this JVM, started on first use. */
    public static EmbeddedControlPlane controlPlane(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(SharedControlPlane.class, key -> new SharedControlPlane(start()),
                        SharedControlPlane.class)
                .plane();
    }

    private static EmbeddedControlPlane start() {
        return EmbeddedControlPlane.start(freshWorkDir("run-"), FAKE_NODES);
    }

    /** A new directory {@code <prefix>*} below {@code control-plane.work-dir} (default: the temp directory). */
    static Path freshWorkDir(String prefix) {
        Path base = Paths.get(System.getProperty("control-plane.work-dir", System.getProperty("java.io.tmpdir")));
        try {
            Files.createDirectories(base);
            return Files.createTempDirectory(base, prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Closed by JUnit with the root context, after every test class of the JVM. */
    private record SharedControlPlane(EmbeddedControlPlane plane) implements AutoCloseable {
        @Override
        public void close() {
            plane.close();
        }
    }
}
