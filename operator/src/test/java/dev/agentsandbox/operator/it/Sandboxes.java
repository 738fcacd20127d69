package dev.agentsandbox.operator.it;

import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxStatus;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import dev.agentsandbox.operator.dependent.SandboxObjects;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.EmbeddedControlPlane;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/** AgentSandboxes on the embedded control plane, and what the tests wait for. */
final class Sandboxes {

    /** Generous: CI machines are shared and loaded; a healthy run converges far sooner. */
    static final Duration CONVERGENCE = Duration.ofSeconds(120);

    private Sandboxes() {
    }

    /** A minimal sandbox (an agent image), applied server-side as {@code kubectl apply --server-side} would. */
    static AgentSandbox apply(KubernetesClient client, String namespace, String name) {
        return apply(client, TestSandboxes.minimal(namespace, name));
    }

    static AgentSandbox apply(KubernetesClient client, AgentSandbox sandbox) {
        return client.resource(sandbox).fieldManager(ClusterFixtures.TEST_FIELD_MANAGER).forceConflicts()
                .serverSideApply();
    }

    static Resource<AgentSandbox> sandbox(KubernetesClient client, String namespace, String name) {
        return client.resources(AgentSandbox.class).inNamespace(namespace).withName(name);
    }

    static Resource<Pod> pod(KubernetesClient client, String namespace, String sandbox) {
        return client.pods().inNamespace(namespace).withName(SandboxObjects.podName(sandbox));
    }

    /** Pods the operator manages in the namespace. */
    static List<Pod> managedPods(KubernetesClient client, String namespace) {
        return client.pods().inNamespace(namespace)
                .withLabels(Map.of(SandboxObjects.MANAGED_BY_LABEL, SandboxObjects.MANAGED_BY)).list().getItems();
    }

    /**
     * Phase Ready, every condition True, and a Running pod on a fake (kwok) Node. A sandbox of a template has two
     * conditions more, TemplateReady and WarmStart (False for a cold start: a fact, not a fault), and may run in a
     * pool's pod.
     */
    static void assertReady(KubernetesClient client, String namespace, String name) {
        AgentSandbox sandbox = sandbox(client, namespace, name).get();
        assertThat(sandbox.getStatus()).as("status of %s", name).isNotNull();
        assertThat(sandbox.getStatus().getPhase()).as("phase of %s", name).isEqualTo(SandboxPhase.READY);
        boolean templated = sandbox.getSpec().getTemplateRef() != null;
        assertThat(sandbox.getStatus().getConditions()).as("conditions of %s", name).hasSize(templated ? 8 : 6)
                .filteredOn(c -> !"WarmStart".equals(c.type()))
                .allSatisfy(c -> assertThat(c.status()).as("%s: %s", c.type(), c.message())
                        .isEqualTo(SandboxCondition.TRUE));
        assertThat(sandbox.getStatus().getObservedGeneration()).isEqualTo(sandbox.getMetadata().getGeneration());
        assertThat(sandbox.getStatus().getNodeName()).startsWith(EmbeddedControlPlane.FAKE_NODE_PREFIX);
        Pod pod = templated ? client.pods().inNamespace(namespace).withName(sandbox.getStatus().getPodName()).get()
                : pod(client, namespace, name).get();
        assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
        assertThat(sandbox.getStatus().getPodName()).isEqualTo(pod.getMetadata().getName());
        assertThat(sandbox.getStatus().getPodIP()).isEqualTo(pod.getStatus().getPodIP()).startsWith("198.18.");
    }

    static void awaitReady(KubernetesClient client, String namespace, String name) {
        ClusterFixtures.eventually(CONVERGENCE).untilAsserted(() -> assertReady(client, namespace, name));
    }

    static SandboxCondition ready(AgentSandbox sandbox) {
        return sandbox.getStatus().getConditions().stream().filter(c -> c.type().equals("Ready")).findFirst()
                .orElseThrow();
    }

    /**
     * Makes a Ready sandbox Ready since {@code since} (its Ready condition's lastTransitionTime, which the operator
     * keeps while Ready stays True), so that idle suspend, which counts from it, is due an idle timeout after that
     * without the test waiting it out (the API server refuses timeouts under 1m). See {@link #backdate}.
     *
     * @return the time written, in whole seconds as the operator writes it
     */
    static String backdateReady(KubernetesClient client, String namespace, String name, Instant since) {
        String time = since.truncatedTo(ChronoUnit.SECONDS).toString();
        backdate(client, namespace, name, status -> {
            status.setConditions(status.getConditions().stream().map(c -> c.type().equals("Ready")
                    ? new SandboxCondition(c.type(), c.status(), c.reason(), c.message(), time, c.observedGeneration())
                    : c).toList());
            return status;
        }, sandbox -> !ready(sandbox).isTrue() || time.equals(ready(sandbox).lastTransitionTime()));
        return time;
    }

    /**
     * Writes {@code edit} into the sandbox's status, as if the times it sets had passed, until the operator's next
     * write of the sandbox has {@code kept} it: a reconcile that read the sandbox just before the edit writes the
     * old status back. A sandbox the operator keeps rewriting otherwise (newer activity than the edit) fails here.
     */
    static void backdate(KubernetesClient client, String namespace, String name, UnaryOperator<AgentSandboxStatus> edit,
                         Predicate<AgentSandbox> kept) {
        ClusterFixtures.eventually(CONVERGENCE).alias("the operator keeps the status written into " + namespace + "/"
                + name).until(() -> {
            String edited = sandbox(client, namespace, name).editStatus(s -> {
                s.setStatus(edit.apply(s.getStatus()));
                return s;
            }).getMetadata().getResourceVersion();
            ClusterFixtures.eventually(CONVERGENCE).until(() -> !edited.equals(
                    sandbox(client, namespace, name).get().getMetadata().getResourceVersion()));
            return kept.test(sandbox(client, namespace, name).get());
        });
    }
}
