package dev.agentsandbox.operator.testing;

import io.fabric8.kubernetes.api.model.ContainerStatus;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What the tests that run sandboxes on the real node check and print about them. */
public final class SandboxOnNode {

    private SandboxOnNode() {
    }

    /** A container that runs and passed its readiness. */
    public static void runsReady(ContainerStatus status) {
        assertThat(status.getState().getRunning()).as("%s running (state %s)", status.getName(), status.getState())
                .isNotNull();
        assertThat(status.getReady()).as("%s ready", status.getName()).isTrue();
    }

    /** For a failed wait: the sandbox, the pods and events of its namespace, and the operator's log. */
    public static String diagnosis(EmbeddedNode node, String namespace, String name, String releaseNamespace) {
        List<String> parts = new ArrayList<>();
        for (List<String> command : List.of(List.of("get", "agentsandbox", "-n", namespace, name, "-o", "yaml"),
                List.of("describe", "pods", "-n", namespace), List.of("get", "events", "-n", namespace),
                List.of("logs", "-n", releaseNamespace, "-l", "app.kubernetes.io/instance=" + LocalChart.RELEASE,
                        "--tail", "60"))) {
            try {
                parts.add(node.kubectl(command.toArray(String[]::new)));
            } catch (IllegalStateException e) {
                parts.add("kubectl " + String.join(" ", command) + ": " + e.getMessage());
            }
        }
        return String.join("\n", parts);
    }
}
