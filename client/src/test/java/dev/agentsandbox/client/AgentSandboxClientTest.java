package dev.agentsandbox.client;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
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
 * what {@code open} sends, how {@code awaitReady} ends, {@code close}. Exec (exit codes, both streams, the timeout)
 * is {@code SandboxClientOnNodeIT}'s, on a real kubelet: the mock server's exec streams did not keep their timing
 * on an idle machine (the status of a command meant to outlive its timeout arrived at once).
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
    @SuppressWarnings("unchecked")
    void aRequestFromATemplateNamesItAndMayAddOnlyItsLifecycle() {
        Sandbox sandbox = open(SandboxRequest.fromTemplate("python-tools").deleteAfterFinished(Duration.ofSeconds(30)));

        Map<String, Object> spec = (Map<String, Object>) stored(sandbox).get().getAdditionalProperties().get("spec");
        assertThat(spec).isEqualTo(Map.of("templateRef", Map.of("name", "python-tools"),
                "lifecycle", Map.of("ttlSecondsAfterFinished", 30, "activeDeadlineSeconds", 600,
                        "shutdownPolicy", "Delete")));
        assertThatThrownBy(() -> SandboxRequest.fromTemplate("python-tools").command("true"))
                .isInstanceOf(IllegalStateException.class).hasMessage("spec.agent.command of a sandbox from a"
                        + " template is the template's: set it in the AgentSandboxTemplate");
        assertThatThrownBy(() -> SandboxRequest.fromTemplate("python-tools").restartPolicy("Never"))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("spec.agent.restartPolicy");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aOneShotCommandIsTheAgentWhoseExitEndsTheSandbox() {
        Sandbox sandbox = open(SandboxRequest.forImage("registry.test/tools:1").command("sh", "-c", "exit 3")
                .restartPolicy("Never").deleteAfterFinished(Duration.ZERO));

        Map<String, Object> spec = (Map<String, Object>) stored(sandbox).get().getAdditionalProperties().get("spec");
        assertThat(spec.get("agent")).isEqualTo(Map.of("image", "registry.test/tools:1",
                "command", List.of("sh", "-c", "exit 3"), "restartPolicy", "Never"));
        assertThat((Map<String, Object>) spec.get("lifecycle")).containsEntry("ttlSecondsAfterFinished", 0);
        assertThatThrownBy(() -> SandboxRequest.forImage("x").deleteAfterFinished(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0s or more");
    }

    @Test
    void awaitFinishedReturnsTheAgentsEndOnceTheOperatorRecordsIt() {
        // No status at all yet: a quick command may end before the operator's first report.
        Sandbox sandbox = open(SandboxRequest.forImage("registry.test/tools:1").restartPolicy("Never"));
        CompletableFuture.runAsync(() -> {
            GenericKubernetesResource current = stored(sandbox).get();
            current.getAdditionalProperties().put("status", Map.of("phase", "Failed", "agentExit",
                    Map.of("exitCode", 3, "reason", "Error", "finishedAt", "2026-12-06T12:00:00Z")));
            client.genericKubernetesResources(AgentSandboxResource.CONTEXT).inNamespace(NAMESPACE).resource(current)
                    .update();
        }, CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS));

        AgentExit exit = sandbox.awaitFinished(Duration.ofSeconds(20));

        assertThat(exit).isEqualTo(new AgentExit(3, "Failed", "Error", "2026-12-06T12:00:00Z"));
        assertThat(exit.succeeded()).isFalse();
    }

    @Test
    void awaitFinishedFailsAtOnceForASandboxThatWillNotRunItsAgent() {
        Sandbox sandbox = open(SandboxRequest.forImage("registry.test/tools:1").restartPolicy("Never"));
        report(sandbox, "Failed", "False", "TemplateNotFound", "AgentSandboxTemplate tools/x does not exist");

        SandboxNotReadyException failed = catchThrowableOfType(SandboxNotReadyException.class,
                () -> sandbox.awaitFinished(Duration.ofSeconds(60)));

        assertThat(failed.getMessage()).isEqualTo("AgentSandbox tools/" + sandbox.name() + " will not run its agent:"
                + " phase Failed, Ready=False TemplateNotFound: AgentSandboxTemplate tools/x does not exist");
        assertThat(failed.reason()).isEqualTo("TemplateNotFound");
    }
}
