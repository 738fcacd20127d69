package dev.agentsandbox.client;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.ErrorStreamMessage;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.OutputStreamMessage;
import io.fabric8.kubernetes.client.server.mock.StatusMessage;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The client against the Fabric8 mock server (CRUD mode; the operator's part, the status, is written by the test):
 * what {@code open} sends, how {@code awaitReady} ends, {@code close}, and how exec assembles a result from the
 * exec protocol's streams. The exec on a real kubelet and the CRD's acceptance are {@code SandboxClientOnNodeIT}'s.
 */
@EnableKubernetesMockClient(crud = true, kubernetesClientBuilderCustomizer = AgentSandboxClientTest.Patient.class)
class AgentSandboxClientTest {

    /** On a busy CI machine a fresh mock server can take longer than the client's default 10 s to accept. */
    public static final class Patient implements Consumer<KubernetesClientBuilder> {
        @Override
        public void accept(KubernetesClientBuilder builder) {
            builder.editOrNewConfig().withConnectionTimeout(60_000).withRequestTimeout(60_000).endConfig();
        }
    }

    private static final String NAMESPACE = "tools";

    KubernetesMockServer server;
    KubernetesClient client;

    private Resource<GenericKubernetesResource> stored(Sandbox sandbox) {
        return client.genericKubernetesResources(AgentSandboxResource.CONTEXT).inNamespace(sandbox.namespace())
                .withName(sandbox.name());
    }

    /** What the operator would write: a phase and a Ready condition. */
    private void report(Sandbox sandbox, String phase, String readyStatus, String reason, String message) {
        GenericKubernetesResource current = stored(sandbox).get();
        current.getAdditionalProperties().put("status", Map.of("phase", phase, "podName", sandbox.name() + "-sandbox",
                "conditions", List.of(Map.of("type", "Ready", "status", readyStatus, "reason", reason,
                        "message", message))));
        client.genericKubernetesResources(AgentSandboxResource.CONTEXT).inNamespace(sandbox.namespace())
                .resource(current).update();
    }

    private Sandbox open(SandboxRequest request) {
        return new AgentSandboxClient(client).open(request.inNamespace(NAMESPACE));
    }

    @Test
    @SuppressWarnings("unchecked")
    void openCreatesAShortLivedSandboxWithTheSpecUnderAGeneratedName() {
        Sandbox sandbox = open(SandboxRequest.forImage("registry.test/tools:1").label("team", "a"));

        GenericKubernetesResource created = stored(sandbox).get();
        assertThat(sandbox.name()).startsWith(SandboxRequest.DEFAULT_NAME_PREFIX)
                .hasSizeGreaterThan(SandboxRequest.DEFAULT_NAME_PREFIX.length());
        assertThat(created.getApiVersion()).isEqualTo("agentsandbox.dev/v1alpha1");
        assertThat(created.getKind()).isEqualTo("AgentSandbox");
        assertThat(created.getMetadata().getLabels()).containsEntry("team", "a")
                .containsEntry(SandboxRequest.CREATED_BY_LABEL, SandboxRequest.CREATED_BY);
        Map<String, Object> spec = (Map<String, Object>) created.getAdditionalProperties().get("spec");
        assertThat(spec.get("agent")).isEqualTo(Map.of("image", "registry.test/tools:1"));
        assertThat(spec.get("lifecycle")).isEqualTo(Map.of("activeDeadlineSeconds", 600,
                "shutdownPolicy", "Delete"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aSpecsOwnLifecycleIsKeptAndAnExplicitDeadlineOverridesOnlyTheDeadline() {
        Map<String, Object> spec = Map.of("agent", Map.of("image", "registry.test/tools:1"),
                "lifecycle", Map.of("shutdownPolicy", "Pause", "activeDeadlineSeconds", 3600, "idleTimeout", "5m"));

        Map<String, Object> kept = (Map<String, Object>) ((Map<String, Object>) stored(
                open(SandboxRequest.fromSpec(spec))).get().getAdditionalProperties().get("spec")).get("lifecycle");
        Map<String, Object> overridden = (Map<String, Object>) ((Map<String, Object>) stored(
                open(SandboxRequest.fromSpec(spec).deadline(Duration.ofSeconds(90)))).get().getAdditionalProperties()
                .get("spec")).get("lifecycle");
        Map<String, Object> none = (Map<String, Object>) stored(open(SandboxRequest.forImage("registry.test/tools:1")
                .withoutDeadline())).get().getAdditionalProperties().get("spec");

        assertThat(kept).isEqualTo(Map.of("shutdownPolicy", "Pause", "activeDeadlineSeconds", 3600,
                "idleTimeout", "5m"));
        assertThat(overridden).isEqualTo(Map.of("shutdownPolicy", "Pause", "activeDeadlineSeconds", 90,
                "idleTimeout", "5m"));
        assertThat(none).doesNotContainKey("lifecycle");
        assertThatThrownBy(() -> SandboxRequest.forImage("x").deadline(Duration.ofMillis(500)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1s");
    }

    @Test
    void awaitReadyReturnsOnceTheOperatorReportsReady() {
        Sandbox sandbox = open(SandboxRequest.forImage("registry.test/tools:1"));
        report(sandbox, "Starting", "False", "PodNotReady", "pod is not ready yet");
        CompletableFuture.runAsync(() -> report(sandbox, "Ready", "True", "PodReady", "pod is ready"),
                CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS));

        assertThat(sandbox.awaitReady(Duration.ofSeconds(20))).isSameAs(sandbox);
    }

    @Test
    void awaitReadyFailsAtOnceWithTheReadyConditionWhenTheSandboxFailed() {
        Sandbox sandbox = open(SandboxRequest.forImage("registry.test/tools:1"));
        report(sandbox, "Failed", "False", "SecretNotFound", "Secret tools/anthropic-key does not exist");
        long start = System.nanoTime();

        SandboxNotReadyException failed = catchThrowableOfType(SandboxNotReadyException.class,
                () -> sandbox.awaitReady(Duration.ofSeconds(60)));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
        assertThat(failed.getMessage()).isEqualTo("AgentSandbox tools/" + sandbox.name() + " will not become Ready:"
                + " phase Failed, Ready=False SecretNotFound: Secret tools/anthropic-key does not exist");
        assertThat(failed.phase()).isEqualTo("Failed");
        assertThat(failed.reason()).isEqualTo("SecretNotFound");
    }

    @Test
    void awaitReadyTimesOutNamingThePhaseAndTheReadyCondition() {
        Sandbox sandbox = open(SandboxRequest.forImage("registry.test/tools:1"));
        report(sandbox, "Starting", "False", "PodNotReady", "pod x is not ready yet (phase Pending)");

        SandboxNotReadyException late = catchThrowableOfType(SandboxNotReadyException.class,
                () -> sandbox.awaitReady(Duration.ofSeconds(1)));

        assertThat(late.getMessage()).isEqualTo("AgentSandbox tools/" + sandbox.name() + " is not Ready after 1s:"
                + " phase Starting, Ready=False PodNotReady: pod x is not ready yet (phase Pending)");
        assertThat(late.reason()).isEqualTo("PodNotReady");
    }

    @Test
    void aSandboxDeletedWhileItIsAwaitedIsReportedAsDeleted() {
        Sandbox sandbox = open(SandboxRequest.forImage("registry.test/tools:1"));
        CompletableFuture.runAsync(() -> stored(sandbox).delete(),
                CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS));

        assertThatThrownBy(() -> sandbox.awaitReady(Duration.ofSeconds(20)))
                .isInstanceOf(SandboxNotReadyException.class)
                .hasMessageStartingWith("AgentSandbox tools/" + sandbox.name() + " was deleted before it was Ready");
    }

    @Test
    void openReadyLeavesNothingBehindWhenTheSandboxDoesNotBecomeReady() {
        CompletableFuture.runAsync(() -> {
            // The operator's verdict on whatever open() created.
            GenericKubernetesResource created = client.genericKubernetesResources(AgentSandboxResource.CONTEXT)
                    .inNamespace(NAMESPACE).list().getItems().get(0);
            report(new AgentSandboxClient(client).attach(NAMESPACE, created.getMetadata().getName()), "Failed",
                    "False", "RuntimeClassNotFound", "RuntimeClass kata does not exist");
        }, CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS));

        assertThatThrownBy(() -> new AgentSandboxClient(client).openReady(SandboxRequest.forImage("registry.test/t:1")
                .inNamespace(NAMESPACE), Duration.ofSeconds(20)))
                .isInstanceOf(SandboxNotReadyException.class).hasMessageContaining("RuntimeClassNotFound");
        assertThat(client.genericKubernetesResources(AgentSandboxResource.CONTEXT).inNamespace(NAMESPACE).list()
                .getItems()).isEmpty();
    }

    @Test
    void closeDeletesTheSandboxAndClosingAgainDoesNothing() {
        Sandbox sandbox = open(SandboxRequest.forImage("registry.test/tools:1"));

        sandbox.close(Duration.ofSeconds(10));
        sandbox.close();

        assertThat(stored(sandbox).get()).isNull();
        assertThatThrownBy(() -> sandbox.exec(Duration.ofSeconds(1), "true"))
                .isInstanceOf(SandboxException.class).hasMessage("AgentSandbox tools/" + sandbox.name()
                        + " does not exist (closed, or deleted at its deadline)");
    }

    @Test
    void aRefusalByTheApiServerNamesWhatWasCreatedWhereAndTheRule() {
        server.expect().post().withPath("/apis/agentsandbox.dev/v1alpha1/namespaces/tools/agentsandboxes")
                .andReturn(422, new StatusBuilder().withStatus("Failure").withCode(422).withReason("Invalid")
                        .withMessage("AgentSandbox.agentsandbox.dev \"tool-call-x\" is invalid:"
                                + " spec.lifecycle.activeDeadlineSeconds: Invalid value: \"integer\": must be at least 1")
                        .build()).once();

        assertThatThrownBy(() -> open(SandboxRequest.forImage("registry.test/tools:1")))
                .isInstanceOf(SandboxException.class)
                .hasMessage("creating an AgentSandbox tool-call-* in namespace tools failed (HTTP 422):"
                        + " AgentSandbox.agentsandbox.dev \"tool-call-x\" is invalid:"
                        + " spec.lifecycle.activeDeadlineSeconds: Invalid value: \"integer\": must be at least 1");
    }

    @Test
    void execReturnsTheExitCodeAndBothStreams() {
        Sandbox sandbox = open(SandboxRequest.forImage("registry.test/tools:1"));
        report(sandbox, "Ready", "True", "PodReady", "pod is ready");
        podOf(sandbox);
        server.expect().get().withPath(execPath(sandbox, "sh", "-c", "x"))
                .andUpgradeToWebSocket().open(new OutputStreamMessage("out 1\n"), new ErrorStreamMessage("err\n"),
                        new OutputStreamMessage("out 2\n"), new StatusMessage(exitStatus(3)))
                // As the API server does, the stream closes after the status (the mock would close at once).
                .waitFor(2_000).andEmit(new OutputStreamMessage(""))
                .done().once();

        ExecResult result = sandbox.exec(Duration.ofSeconds(20), "sh", "-c", "x");

        assertThat(result).isEqualTo(new ExecResult(3, "out 1\nout 2\n", "err\n"));
        assertThat(result.succeeded()).isFalse();
    }

    @Test
    void aCommandThatOutlivesItsTimeoutFailsNamingItAndTheSandbox() {
        Sandbox sandbox = open(SandboxRequest.forImage("registry.test/tools:1"));
        report(sandbox, "Ready", "True", "PodReady", "pod is ready");
        podOf(sandbox);
        server.expect().get().withPath(execPath(sandbox, "sleep", "60"))
                .andUpgradeToWebSocket().open().waitFor(10_000).andEmit(new StatusMessage(0))
                .done().once();

        assertThatThrownBy(() -> sandbox.exec(Duration.ofMillis(500), "sleep", "60"))
                .isInstanceOf(SandboxExecTimeoutException.class)
                .hasMessage("[sleep, 60] in AgentSandbox tools/" + sandbox.name() + " (pod " + sandbox.name()
                        + "-sandbox, container agent) did not finish within 500 ms; it may still run there until the"
                        + " sandbox is closed");
    }

    /** The pod the operator would have made: the client's exec looks it up first. */
    private void podOf(Sandbox sandbox) {
        client.pods().inNamespace(NAMESPACE).resource(new PodBuilder().withNewMetadata()
                .withName(sandbox.name() + "-sandbox").endMetadata().withNewSpec().addNewContainer().withName("agent")
                .withImage("registry.test/tools:1").endContainer().endSpec().withNewStatus().withPhase("Running")
                .endStatus().build()).create();
    }

    /** What the kubelet sends on the error channel when a command exits non-zero. */
    private static Status exitStatus(int code) {
        return new StatusBuilder().withStatus("Failure").withReason("NonZeroExitCode")
                .withMessage("command terminated with non-zero exit code: exit status " + code)
                .withNewDetails().addNewCause().withReason("ExitCode").withMessage(Integer.toString(code)).endCause()
                .endDetails().build();
    }

    private static String execPath(Sandbox sandbox, String... command) {
        StringBuilder path = new StringBuilder("/api/v1/namespaces/tools/pods/" + sandbox.name() + "-sandbox/exec?");
        for (String part : command) {
            path.append("command=").append(java.net.URLEncoder.encode(part, java.nio.charset.StandardCharsets.UTF_8))
                    .append('&');
        }
        return path.append("container=agent&stdout=true&stderr=true").toString();
    }
}
