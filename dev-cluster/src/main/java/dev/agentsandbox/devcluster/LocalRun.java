package dev.agentsandbox.devcluster;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.EmbeddedControlPlane;
import dev.agentsandbox.operator.testing.Examples;
import dev.agentsandbox.operator.testing.OperatorProcess;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code hack/run-local.sh}: the embedded control plane, the CRD, the packaged operator and
 * {@code examples/reference.yaml} with what it refers to, then what happened; runs until interrupted.
 *
 * <p>Arguments: the work directory (logs, kubeconfig) and optionally the example to apply.
 */
public final class LocalRun {

    private static final String EXAMPLE = "examples/reference.yaml";

    private LocalRun() {
    }

    public static void main(String[] args) throws Exception {
        Path workDir = Paths.get(args.length > 0 ? args[0] : "target/run-local").toAbsolutePath();
        Path example = ClusterFixtures.repositoryFile(args.length > 1 ? args[1] : EXAMPLE);
        Files.createDirectories(workDir);

        say("starting the control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok)"
                + " on 127.0.0.1; logs in " + workDir.resolve("logs"));
        try (EmbeddedControlPlane plane = EmbeddedControlPlane.start(workDir, 2)) {
            if (!plane.isComplete()) {
                say("WARNING: " + plane.binaries().whyIncomplete() + ". Pods will stay Pending.");
            }
            KubernetesClient client = plane.client();
            say("installing " + String.join(", ", ClusterFixtures.CRD_FILES) + " and RuntimeClasses kata, gvisor");
            ClusterFixtures.prepareForOperator(client);

            say("starting the operator (" + OperatorProcess.jar() + "); log in "
                    + workDir.resolve("logs/operator.log"));
            try (OperatorProcess operator = OperatorProcess.start(plane, "operator", Map.of())) {
                List<AgentSandbox> sandboxes = Examples.apply(client, example, null, "kubectl", LocalRun::say);
                sandboxes.forEach(s -> say("applied " + example.getFileName() + ": AgentSandbox "
                        + s.getMetadata().getNamespace() + "/" + s.getMetadata().getName()));
                for (AgentSandbox sandbox : sandboxes) {
                    awaitReady(client, sandbox, Duration.ofSeconds(90));
                    show(plane, sandbox);
                }
                say("the control plane and the operator keep running; explore with:\n\n    export KUBECONFIG="
                        + plane.kubeconfig() + "\n    export PATH=" + plane.binaries().directory() + ":$PATH\n"
                        + "    kubectl get agentsandboxes -A\n\nPress Ctrl+C to stop everything.");
                awaitInterrupt(operator);
            }
        }
    }

    /** Whether the sandbox became Ready within {@code atMost}; says so when not. */
    static boolean awaitReady(KubernetesClient client, AgentSandbox sandbox, Duration atMost) {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (System.nanoTime() < deadline) {
            AgentSandbox current = client.resources(AgentSandbox.class)
                    .inNamespace(sandbox.getMetadata().getNamespace()).withName(sandbox.getMetadata().getName()).get();
            if (current != null && current.getStatus() != null && current.getStatus().getPhase() == SandboxPhase.READY) {
                return true;
            }
            sleep(Duration.ofMillis(500));
        }
        say("the sandbox is not Ready after " + atMost.toSeconds() + " s; its status says why:");
        return false;
    }

    static void show(EmbeddedControlPlane plane, AgentSandbox sandbox) {
        String namespace = sandbox.getMetadata().getNamespace();
        String name = sandbox.getMetadata().getName();
        kubectl(plane, "get", "agentsandbox", "-n", namespace, name);
        kubectl(plane, "get", "agentsandbox", "-n", namespace, name, "-o",
                "go-template={{range .status.conditions}}{{printf \"  %-18s %-6s %-18s %s\\n\" .type .status"
                        + " .reason .message}}{{end}}");
        kubectl(plane, "get", "pods,configmaps,networkpolicies,persistentvolumeclaims", "-n", namespace,
                "-l", "agentsandbox.dev/sandbox=" + name, "-o", "wide");
    }

    static void kubectl(EmbeddedControlPlane plane, String... args) {
        List<String> command = new ArrayList<>(List.of(plane.binaries().binary("kubectl").toString(),
                "--kubeconfig", plane.kubeconfig().toString()));
        command.addAll(List.of(args));
        System.out.println("\n$ kubectl " + String.join(" ", args));
        try {
            new ProcessBuilder(command).inheritIO().start().waitFor();
        } catch (IOException e) {
            say("cannot run kubectl: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Until Ctrl+C (the shutdown hooks stop the operator and the control plane) or the operator exits. */
    private static void awaitInterrupt(OperatorProcess operator) throws InterruptedException {
        awaitInterrupt(() -> {
            if (operator.isAlive()) {
                return false;
            }
            say("the operator exited; see " + operator.logFile());
            return true;
        });
    }

    /** Until Ctrl+C, or until {@code stopEarly} (asked each second) says to stop. */
    static void awaitInterrupt(java.util.function.BooleanSupplier stopEarly) throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
        while (!stop.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
            if (stopEarly.getAsBoolean()) {
                return;
            }
        }
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void say(String message) {
        System.out.println("==> " + message);
    }
}
