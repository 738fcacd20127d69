package dev.agentsandbox.client;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.fabric8.kubernetes.client.dsl.ExecListener;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.kubernetes.client.dsl.Resource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One AgentSandbox opened by {@link AgentSandboxClient}: wait until it is Ready, run commands in its agent container,
 * close it. {@link #close()} deletes it, so try-with-resources gives each tool call its own sandbox:
 *
 * <pre>{@code
 * try (Sandbox sandbox = sandboxes.open(SandboxRequest.forImage(image).inNamespace("tools"))) {
 *     ExecResult result = sandbox.awaitReady(Duration.ofMinutes(2)).exec(Duration.ofSeconds(30), "python3", "-c", code);
 * }
 * }</pre>
 *
 * Safe for use from several threads: commands run side by side in the one container.
 */
public final class Sandbox implements AutoCloseable {

    /** Phases from which a sandbox does not become Ready without someone changing it. */
    private static final Set<String> GIVE_UP_PHASES = Set.of("Failed", "Paused", "Expired", "Succeeded");
    /** Phases in which a sandbox whose agent has not ended will not run it. */
    private static final Set<String> NOT_RUNNING_PHASES = Set.of("Failed", "Paused", "Expired");

    private final KubernetesClient kubernetes;
    private final String namespace;
    private final String name;

    Sandbox(KubernetesClient kubernetes, String namespace, String name) {
        this.kubernetes = kubernetes;
        this.namespace = namespace;
        this.name = name;
    }

    public String namespace() {
        return namespace;
    }

    /** Its name, {@link SandboxRequest}'s prefix and the API server's suffix. */
    public String name() {
        return name;
    }

    /**
     * Waits until {@code status.phase} is Ready. Fails at once, with the {@code Ready} condition's reason and message,
     * when the sandbox Failed (an input the operator checks: a Secret, the RuntimeClass, the Model Runner…), is
     * Paused or Expired, or is deleted; and when {@code timeout} passes first.
     */
    public Sandbox awaitReady(Duration timeout) {
        GenericKubernetesResource seen;
        try {
            seen = resource().waitUntilCondition(s -> s == null || waitIsOver(AgentSandboxResource.phase(s)),
                    timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (KubernetesClientTimeoutException e) {
            GenericKubernetesResource now = fetch();
            throw notReady("is not Ready after " + timeout.toSeconds() + "s", now);
        } catch (KubernetesClientException e) {
            throw new SandboxException(this + ": waiting until Ready failed: " + e.getMessage(), e);
        }
        if (seen == null) {
            throw new SandboxNotReadyException(this + " was deleted before it was Ready (an expired"
                    + " spec.lifecycle.activeDeadlineSeconds or shutdownTime with shutdownPolicy Delete, or someone"
                    + " deleted it)", null, null);
        }
        if (!"Ready".equals(AgentSandboxResource.phase(seen))) {
            throw notReady("will not become Ready", seen);
        }
        return this;
    }

    /**
     * Waits until the agent ended for good (a sandbox whose {@code spec.agent.restartPolicy} is Never or OnFailure,
     * e.g. {@link SandboxRequest#command} with {@code restartPolicy("Never")}) and returns how: its exit code, phase
     * Succeeded or Failed. Need not be Ready first: a quick command may end before anyone sees it Ready.
     *
     * @throws SandboxNotReadyException when the sandbox will not run its agent (it Failed an input check: a Secret, the
     *                                  RuntimeClass…; it is Paused or Expired), was deleted first (a
     *                                  {@link SandboxRequest#deleteAfterFinished} of 0, a deadline, someone), or
     *                                  {@code timeout} passed
     */
    public AgentExit awaitFinished(Duration timeout) {
        GenericKubernetesResource seen;
        try {
            seen = resource().waitUntilCondition(s -> s == null || AgentSandboxResource.agentExit(s).isPresent()
                            || hasPhaseIn(s, NOT_RUNNING_PHASES), timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (KubernetesClientTimeoutException e) {
            throw notReady("has not finished after " + timeout.toSeconds() + "s", fetch());
        } catch (KubernetesClientException e) {
            throw new SandboxException(this + ": waiting until its agent ended failed: " + e.getMessage(), e);
        }
        if (seen == null) {
            throw new SandboxNotReadyException(this + " was deleted before its agent's end was seen", null, null);
        }
        return AgentSandboxResource.agentExit(seen).orElseThrow(() -> notReady("will not run its agent", seen));
    }

    /**
     * The agent container's log (its stdout and stderr, as {@code kubectl logs <pod> -c agent}): a command's output
     * after {@link #awaitFinished}, while the pod is kept (until {@link SandboxRequest#deleteAfterFinished}).
     */
    public String agentLog() {
        GenericKubernetesResource sandbox = fetch();
        if (sandbox == null) {
            throw new SandboxException(this + " does not exist (closed, or deleted at its deadline or TTL)");
        }
        String pod = AgentSandboxResource.podName(sandbox);
        try {
            return kubernetes.pods().inNamespace(namespace).withName(pod)
                    .inContainer(AgentSandboxResource.AGENT_CONTAINER).getLog();
        } catch (KubernetesClientException e) {
            throw new SandboxException(this + ": reading the log of pod " + pod + ", container "
                    + AgentSandboxResource.AGENT_CONTAINER + " failed: " + e.getMessage(), e);
        }
    }

    /** Runs {@code command} in the agent container; see {@link #exec(List, Duration)}. */
    public ExecResult exec(Duration timeout, String... command) {
        return exec(List.of(command), timeout);
    }

    /**
     * Runs {@code command} (no shell: {@code List.of("sh", "-c", "...")} for one) in the sandbox's agent container,
     * as the agent's user, and returns its exit code and output once it exits. The sandbox should be Ready.
     *
     * @throws SandboxExecTimeoutException when it runs longer than {@code timeout}
     * @throws SandboxException            when it cannot be started (no such pod or executable, no permission)
     */
    public ExecResult exec(List<String> command, Duration timeout) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command is empty");
        }
        GenericKubernetesResource sandbox = fetch();
        if (sandbox == null) {
            throw new SandboxException(this + " does not exist (closed, or deleted at its deadline)");
        }
        String pod = AgentSandboxResource.podName(sandbox);
        String where = this + " (pod " + pod + ", container " + AgentSandboxResource.AGENT_CONTAINER + ")";
        long deadline = System.nanoTime() + timeout.toNanos();
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        CompletableFuture<Void> streamsClosed = new CompletableFuture<>();
        AtomicReference<Status> exitStatus = new AtomicReference<>();
        ExecListener listener = new ExecListener() {
            @Override
            public void onExit(int code, Status status) {
                exitStatus.set(status);
            }

            @Override
            public void onFailure(Throwable failure, Response response) {
                streamsClosed.completeExceptionally(failure);
            }

            @Override
            public void onClose(int code, String reason) {
                streamsClosed.complete(null);
            }
        };
        try (ExecWatch watch = kubernetes.pods().inNamespace(namespace).withName(pod)
                .inContainer(AgentSandboxResource.AGENT_CONTAINER).writingOutput(stdout).writingError(stderr)
                .usingListener(listener).exec(command.toArray(String[]::new))) {
            Integer exitCode = watch.exitCode().get(remaining(deadline), TimeUnit.NANOSECONDS);
            if (exitCode == null) {
                throw new SandboxException("exec of " + command + " in " + where + " failed: the stream closed"
                        + " without an exit status (the pod or its container stopped?)");
            }
            // The exit status can arrive before the last output: the output is complete once the stream closes.
            streamsClosed.get(remaining(deadline), TimeUnit.NANOSECONDS);
            if (exitCode < 0) {
                Status status = exitStatus.get();
                throw new SandboxException("exec of " + command + " in " + where + " failed: "
                        + (status == null ? "no exit status" : status.getMessage()));
            }
            return new ExecResult(exitCode, stdout.toString(StandardCharsets.UTF_8),
                    stderr.toString(StandardCharsets.UTF_8));
        } catch (TimeoutException e) {
            throw new SandboxExecTimeoutException(command + " in " + where + " did not finish within "
                    + timeout.toMillis() + " ms; it may still run there until the sandbox is closed");
        } catch (ExecutionException e) {
            throw new SandboxException("exec of " + command + " in " + where + " failed: "
                    + e.getCause(), e.getCause());
        } catch (KubernetesClientException e) {
            throw new SandboxException("exec of " + command + " in " + where + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("exec of " + command + " in " + where + " was interrupted", e);
        }
    }

    /**
     * Deletes the sandbox and returns at once: the API server removes it, and the garbage collector its pod and the
     * rest it owns (the pod stops within its grace period). Closing a closed or expired sandbox does nothing.
     */
    @Override
    public void close() {
        try {
            resource().withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        } catch (KubernetesClientException e) {
            throw new SandboxException(this + ": delete failed: " + e.getMessage(), e);
        }
    }

    /** {@link #close()}, then waits until the AgentSandbox is gone from the API server. */
    public void close(Duration waitForGone) {
        close();
        try {
            resource().waitUntilCondition(Objects::isNull, waitForGone.toMillis(), TimeUnit.MILLISECONDS);
        } catch (KubernetesClientTimeoutException e) {
            GenericKubernetesResource still = fetch();
            throw new SandboxException(this + " still exists " + waitForGone.toSeconds() + "s after its deletion"
                    + (still == null ? "" : " (finalizers: " + still.getMetadata().getFinalizers() + ")"), e);
        }
    }

    @Override
    public String toString() {
        return "AgentSandbox " + namespace + "/" + name;
    }

    /** Ready, or a phase it does not leave by itself; not before the operator's first status (no phase yet). */
    private static boolean waitIsOver(String phase) {
        return phase != null && ("Ready".equals(phase) || GIVE_UP_PHASES.contains(phase));
    }

    /** Not before the operator's first status: no phase yet (an immutable set refuses to look up null). */
    private static boolean hasPhaseIn(GenericKubernetesResource sandbox, Set<String> phases) {
        String phase = AgentSandboxResource.phase(sandbox);
        return phase != null && phases.contains(phase);
    }

    private SandboxNotReadyException notReady(String what, GenericKubernetesResource sandbox) {
        if (sandbox == null) {
            return new SandboxNotReadyException(this + " " + what + ": it no longer exists", null, null);
        }
        Object reason = AgentSandboxResource.readyCondition(sandbox).map(c -> c.get("reason")).orElse(null);
        return new SandboxNotReadyException(this + " " + what + ": " + AgentSandboxResource.describe(sandbox),
                AgentSandboxResource.phase(sandbox), reason == null ? null : reason.toString());
    }

    private GenericKubernetesResource fetch() {
        return resource().get();
    }

    private Resource<GenericKubernetesResource> resource() {
        return kubernetes.genericKubernetesResources(AgentSandboxResource.CONTEXT).inNamespace(namespace)
                .withName(name);
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }
}
