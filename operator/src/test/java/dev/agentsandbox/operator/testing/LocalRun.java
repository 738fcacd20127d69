package dev.agentsandbox.operator.testing;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
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
            say("installing " + ClusterFixtures.CRD_FILE + " and RuntimeClasses kata, gvisor");
            ClusterFixtures.prepareForOperator(client);

            say("starting the operator (" + OperatorProcess.jar() + "); log in "
                    + workDir.resolve("logs/operator.log"));
            try (OperatorProcess operator = OperatorProcess.start(plane, "operator", Map.of())) {
                List<GenericKubernetesResource> sandboxes = ClusterFixtures.readManifests(example).stream()
                        .filter(m -> "AgentSandbox".equals(m.getKind())).toList();
                for (GenericKubernetesResource sandbox : sandboxes) {
                    createWhatItRefersTo(client, sandbox.getMetadata().getNamespace());
                    say("applying " + example.getFileName() + ": AgentSandbox " + sandbox.getMetadata().getNamespace()
                            + "/" + sandbox.getMetadata().getName());
                    client.resource(sandbox).fieldManager("kubectl").forceConflicts().serverSideApply();
                }
                for (GenericKubernetesResource sandbox : sandboxes) {
                    awaitPhase(plane, sandbox, "Ready", Duration.ofSeconds(90));
                    show(plane, sandbox);
                }
                say("the control plane and the operator keep running; explore with:\n\n    export KUBECONFIG="
                        + plane.kubeconfig() + "\n    export PATH=" + plane.binaries().directory() + ":$PATH\n"
                        + "    kubectl get agentsandboxes -A\n\nPress Ctrl+C to stop everything.");
                awaitInterrupt(operator);
            }
        }
    }

    /** The Secrets, the Model Runner Service and a volume for the workspace claim that the reference example uses. */
    private static void createWhatItRefersTo(KubernetesClient client, String namespace) {
        List<HasMetadata> objects = new ArrayList<>();
        objects.add(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build());
        objects.add(new NamespaceBuilder().withNewMetadata().withName("model-runner").endMetadata().build());
        objects.add(new SecretBuilder().withNewMetadata().withName("anthropic-key").withNamespace(namespace)
                .endMetadata().addToStringData("api-key", "placeholder-not-a-key").build());
        objects.add(new SecretBuilder().withNewMetadata().withName("gitlab-token").withNamespace(namespace)
                .endMetadata().addToStringData("token", "placeholder-not-a-token").build());
        objects.add(new ServiceBuilder().withNewMetadata().withName("docker-model-runner")
                .withNamespace("model-runner").endMetadata().withNewSpec().addNewPort().withPort(80)
                .withNewTargetPort(12434).endPort().endSpec().build());
        // No storage provisioner here: a pre-made volume of the example's StorageClass lets the claim bind.
        objects.add(new PersistentVolumeBuilder().withNewMetadata().withName("local-workspace-volume").endMetadata()
                .withNewSpec().withStorageClassName("fast").withCapacity(Map.of("storage", new Quantity("20Gi")))
                .withAccessModes("ReadWriteOnce").withNewHostPath().withPath("/tmp/agentsandbox-workspace")
                .endHostPath().endSpec().build());
        say("creating what the example refers to: namespaces " + namespace + " and model-runner, Secrets"
                + " anthropic-key and gitlab-token (placeholder values), Service model-runner/docker-model-runner,"
                + " PersistentVolume local-workspace-volume (StorageClass fast)");
        objects.forEach(o -> client.resource(o).fieldManager("kubectl").forceConflicts().serverSideApply());
    }

    private static void awaitPhase(EmbeddedControlPlane plane, GenericKubernetesResource sandbox, String phase,
                                   Duration atMost) {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (System.nanoTime() < deadline) {
            GenericKubernetesResource current = plane.client().genericKubernetesResources(sandbox.getApiVersion(),
                    sandbox.getKind()).inNamespace(sandbox.getMetadata().getNamespace())
                    .withName(sandbox.getMetadata().getName()).get();
            Object status = current == null ? null : current.getAdditionalProperties().get("status");
            if (status instanceof Map<?, ?> map && phase.equals(map.get("phase"))) {
                return;
            }
            sleep(Duration.ofMillis(500));
        }
        say("the sandbox is not " + phase + " after " + atMost.toSeconds() + " s; its status says why:");
    }

    private static void show(EmbeddedControlPlane plane, GenericKubernetesResource sandbox) {
        String namespace = sandbox.getMetadata().getNamespace();
        String name = sandbox.getMetadata().getName();
        kubectl(plane, "get", "agentsandbox", "-n", namespace, name);
        kubectl(plane, "get", "agentsandbox", "-n", namespace, name, "-o",
                "go-template={{range .status.conditions}}{{printf \"  %-18s %-6s %-18s %s\\n\" .type .status"
                        + " .reason .message}}{{end}}");
        kubectl(plane, "get", "pods,configmaps,networkpolicies,persistentvolumeclaims", "-n", namespace,
                "-l", "agentsandbox.dev/sandbox=" + name, "-o", "wide");
    }

    private static void kubectl(EmbeddedControlPlane plane, String... args) {
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
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
        while (!stop.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
            if (!operator.isAlive()) {
                say("the operator exited; see " + operator.logFile());
                return;
            }
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void say(String message) {
        System.out.println("==> " + message);
    }
}
