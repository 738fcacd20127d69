package dev.agentsandbox.operator.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.Map;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * JUnit 5 extension: the packaged operator as a process of its own for one test class, with the settings that class
 * needs, on the JVM's control plane ({@link ControlPlaneExtension}); stopped after the class. The class is skipped,
 * not failed, where the control plane's binaries are missing. Classes that kill or replace their operator mid-test
 * start {@link OperatorProcess}es themselves.
 *
 * <pre>{@code
 * @ExtendWith(ControlPlaneExtension.class)
 * class SomethingIT {
 *     @RegisterExtension
 *     static final OperatorForClass OPERATOR = new OperatorForClass("operator-something",
 *             Map.of("agentsandbox.status-refresh", "5s"));
 * }
 * }</pre>
 */
public final class OperatorForClass implements BeforeAllCallback, AfterAllCallback {

    private final String name;
    private final Map<String, String> settings;
    private KubernetesClient client;
    private OperatorProcess process;

    /**
     * @param name     names the operator's log file and its process in test output
     * @param settings operator settings ({@code agentsandbox.*}) beyond the defaults
     */
    public OperatorForClass(String name, Map<String, String> settings) {
        this.name = name;
        this.settings = Map.copyOf(settings);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        EmbeddedControlPlane plane = ControlPlaneExtension.controlPlane(context);
        assumeTrue(plane.isComplete(), plane.binaries().whyIncomplete());
        client = plane.client();
        ClusterFixtures.prepareForOperator(client);
        process = OperatorProcess.start(plane, name, settings);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (process != null) {
            process.close();
            process = null;
        }
    }

    /** The control plane's client (an administrator's). */
    public KubernetesClient client() {
        return client;
    }

    /** The running operator: its log, its liveness. */
    public OperatorProcess process() {
        return process;
    }
}
