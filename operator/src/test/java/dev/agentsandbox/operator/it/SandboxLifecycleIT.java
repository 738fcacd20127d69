package dev.agentsandbox.operator.it;

import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.CredentialPreset;
import dev.agentsandbox.operator.api.v1alpha1.CredentialSpec;
import dev.agentsandbox.operator.api.v1alpha1.LifecycleMode;
import dev.agentsandbox.operator.api.v1alpha1.LifecycleSpec;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import dev.agentsandbox.operator.api.v1alpha1.SecretKeyRef;
import dev.agentsandbox.operator.api.v1alpha1.ShutdownPolicy;
import dev.agentsandbox.operator.dependent.SandboxObjects;
import dev.agentsandbox.operator.reconciler.AgentSandboxReconciler;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.ControlPlaneExtension;
import dev.agentsandbox.operator.testing.EmbeddedControlPlane;
import dev.agentsandbox.operator.testing.Examples;
import dev.agentsandbox.operator.testing.OperatorForClass;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.agentsandbox.operator.it.Sandboxes.CONVERGENCE;
import static dev.agentsandbox.operator.testing.ClusterFixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The packaged operator against the real control plane: children created by server-side apply with the operator's
 * field manager, the pod scheduled onto a kwok Node and Running, status Ready; garbage collection by the
 * controller-manager; Paused and back; a Secret that arrives late; every example of {@code examples/}; another
 * NetworkPolicy that widens a sandbox's egress reported and cleared; a sandbox deleted at its activeDeadlineSeconds.
 */
@ExtendWith(ControlPlaneExtension.class)
class SandboxLifecycleIT {

    private static final Logger LOG = Logger.getLogger(SandboxLifecycleIT.class);

    @RegisterExtension
    static final OperatorForClass OPERATOR = new OperatorForClass("operator-lifecycle", Map.of());


    @Test
    void reconcilesASandboxIntoChildrenItOwnsAndAppliedServerSide() {
        String namespace = ClusterFixtures.freshNamespace(OPERATOR.client(), "ready");
        AgentSandbox sandbox = Sandboxes.apply(OPERATOR.client(), namespace, "agent");

        Sandboxes.awaitReady(OPERATOR.client(), namespace, "agent");

        HasMetadata pod = Sandboxes.pod(OPERATOR.client(), namespace, "agent").get();
        HasMetadata policy = OPERATOR.client().network().v1().networkPolicies().inNamespace(namespace)
                .withName(SandboxObjects.networkPolicyName("agent")).get();
        HasMetadata configMap = OPERATOR.client().configMaps().inNamespace(namespace)
                .withName(SandboxObjects.configMapName("agent")).get();
        assertThat(List.of(pod, policy, configMap)).doesNotContainNull().allSatisfy(child ->
                assertThat(child.getMetadata().getOwnerReferences()).as("%s owners", child.getKind())
                        .singleElement().satisfies(owner -> {
                            assertThat(owner.getUid()).isEqualTo(sandbox.getMetadata().getUid());
                            assertThat(owner.getKind()).isEqualTo(AgentSandbox.KIND);
                        }));
        // Server-side apply, with the operator's field manager (the controller's name)...
        assertThat(List.of(pod, policy)).allSatisfy(child -> assertThat(child.getMetadata().getManagedFields())
                .as("%s managedFields", child.getKind())
                .anySatisfy(entry -> {
                    assertThat(entry.getManager()).isEqualTo(AgentSandboxReconciler.NAME);
                    assertThat(entry.getOperation()).isEqualTo("Apply");
                }));
        // ...except for ConfigMaps, which JOSDK 5 writes with create/update by default (its defaultNonSSAResources).
        assertThat(configMap.getMetadata().getManagedFields()).extracting(ManagedFieldsEntry::getOperation)
                .containsOnly("Update");
        // The status is written through the status subresource, by the operator.
        assertThat(Sandboxes.sandbox(OPERATOR.client(), namespace, "agent").get().getMetadata().getManagedFields())
                .extracting(ManagedFieldsEntry::getSubresource).contains("status");
        assertThat(Sandboxes.pod(OPERATOR.client(), namespace, "agent").get().getSpec().getRuntimeClassName())
                .isEqualTo("kata");
    }

    @Test
    void deletingTheSandboxGarbageCollectsEverythingItOwns() {
        String namespace = ClusterFixtures.freshNamespace(OPERATOR.client(), "gc");
        Sandboxes.apply(OPERATOR.client(), namespace, "doomed");
        Sandboxes.awaitReady(OPERATOR.client(), namespace, "doomed");

        Sandboxes.sandbox(OPERATOR.client(), namespace, "doomed").delete();

        // Nobody but the controller-manager's garbage collector deletes the children (no finalizer, no operator
        // code): the owner references must be right for this to happen.
        eventually(CONVERGENCE).untilAsserted(() -> {
            assertThat(Sandboxes.managedPods(OPERATOR.client(), namespace)).isEmpty();
            assertThat(OPERATOR.client().configMaps().inNamespace(namespace)
                    .withLabel(SandboxObjects.MANAGED_BY_LABEL, SandboxObjects.MANAGED_BY).list().getItems())
                    .isEmpty();
            assertThat(OPERATOR.client().network().v1().networkPolicies().inNamespace(namespace).list().getItems()).isEmpty();
        });
    }

    @Test
    void pausingDeletesThePodAndRunningAgainBringsItBack() {
        String namespace = ClusterFixtures.freshNamespace(OPERATOR.client(), "pause");
        Sandboxes.apply(OPERATOR.client(), namespace, "napper");
        Sandboxes.awaitReady(OPERATOR.client(), namespace, "napper");
        String firstPodUid = Sandboxes.pod(OPERATOR.client(), namespace, "napper").get().getMetadata().getUid();

        Sandboxes.apply(OPERATOR.client(), withMode(TestSandboxes.minimal(namespace, "napper"), LifecycleMode.PAUSED));

        eventually(CONVERGENCE).untilAsserted(() -> {
            assertThat(Sandboxes.pod(OPERATOR.client(), namespace, "napper").get()).as("pod while Paused").isNull();
            AgentSandbox paused = Sandboxes.sandbox(OPERATOR.client(), namespace, "napper").get();
            assertThat(paused.getStatus().getPhase()).isEqualTo(SandboxPhase.PAUSED);
            assertThat(condition(paused, "Ready").reason()).isEqualTo("Paused");
        });

        Sandboxes.apply(OPERATOR.client(), withMode(TestSandboxes.minimal(namespace, "napper"), LifecycleMode.RUNNING));

        Sandboxes.awaitReady(OPERATOR.client(), namespace, "napper");
        assertThat(Sandboxes.pod(OPERATOR.client(), namespace, "napper").get().getMetadata().getUid())
                .as("a new pod").isNotEqualTo(firstPodUid);
    }

    @Test
    void aSecretCreatedAfterTheSandboxMakesItReadyWithoutAnyoneTouchingTheSandbox() {
        String namespace = ClusterFixtures.freshNamespace(OPERATOR.client(), "late-secret");
        AgentSandbox sandbox = TestSandboxes.minimal(namespace, "patient");
        CredentialSpec credential = new CredentialSpec();
        credential.setName("anthropic");
        credential.setPreset(CredentialPreset.ANTHROPIC);
        credential.setSecretRef(new SecretKeyRef("anthropic-key", "api-key"));
        sandbox.getSpec().setCredentials(List.of(credential));
        Sandboxes.apply(OPERATOR.client(), sandbox);

        eventually(CONVERGENCE).untilAsserted(() -> {
            AgentSandbox waiting = Sandboxes.sandbox(OPERATOR.client(), namespace, "patient").get();
            assertThat(condition(waiting, "CredentialsReady").reason()).isEqualTo("SecretNotFound");
            assertThat(condition(waiting, "Ready").status()).isEqualTo(SandboxCondition.FALSE);
        });
        assertThat(Sandboxes.managedPods(OPERATOR.client(), namespace)).as("no pod without its Secret").isEmpty();
        long generation = Sandboxes.sandbox(OPERATOR.client(), namespace, "patient").get().getMetadata().getGeneration();

        OPERATOR.client().resource(new SecretBuilder().withNewMetadata().withName("anthropic-key").withNamespace(namespace)
                .endMetadata().addToStringData("api-key", "test-canary-anthropic").build()).create();

        Sandboxes.awaitReady(OPERATOR.client(), namespace, "patient");
        assertThat(Sandboxes.sandbox(OPERATOR.client(), namespace, "patient").get().getMetadata().getGeneration())
                .as("the sandbox's spec was not touched").isEqualTo(generation);
        assertThat(OPERATOR.process().log()).as("operator log").doesNotContain("test-canary-anthropic");
    }

    @Test
    void everyExampleBecomesReadyWithWhatItRefersTo() {
        Map<String, List<AgentSandbox>> applied = new LinkedHashMap<>();
        for (Path file : Examples.files()) {
            String namespace = ClusterFixtures.freshNamespace(OPERATOR.client(), "example");
            applied.put(namespace, Examples.apply(OPERATOR.client(), file, namespace, ClusterFixtures.TEST_FIELD_MANAGER,
                    message -> LOG.infof("%s: %s", file.getFileName(), message)));
            assertThat(applied.get(namespace)).as("AgentSandboxes in %s", file.getFileName()).isNotEmpty();
        }
        // Every example converges at once: Ready, not Expired, whatever the date of the run.
        applied.forEach((namespace, sandboxes) -> sandboxes.forEach(sandbox ->
                Sandboxes.awaitReady(OPERATOR.client(), namespace, sandbox.getMetadata().getName())));
    }

    private static AgentSandbox withMode(AgentSandbox sandbox, LifecycleMode mode) {
        LifecycleSpec lifecycle = new LifecycleSpec();
        lifecycle.setMode(mode);
        sandbox.getSpec().setLifecycle(lifecycle);
        return sandbox;
    }

    private static SandboxCondition condition(AgentSandbox sandbox, String type) {
        return sandbox.getStatus().getConditions().stream().filter(c -> type.equals(c.type())).findFirst()
                .orElseThrow(() -> new AssertionError("no condition " + type + " in " + sandbox.getStatus()));
    }

    /**
     * NetworkPolicies add up (issue 12 item 7): a policy someone else writes that selects a sandbox's pod and allows
     * egress turns its EgressReady False, naming the policy, with a Warning Event; deleting it turns EgressReady True
     * again. The operator sees both through its NetworkPolicy watch, with no change to the sandbox.
     */
    @Test
    void aPolicyThatOpensTheSandboxsEgressIsReportedUntilItIsDeleted() {
        String namespace = ClusterFixtures.freshNamespace(OPERATOR.client(), "widened");
        Sandboxes.apply(OPERATOR.client(), namespace, "agent");
        Sandboxes.awaitReady(OPERATOR.client(), namespace, "agent");

        // What users were bitten by: a namespace-wide "let my apps reach the internal API" policy.
        NetworkPolicy widening = new NetworkPolicyBuilder()
                .withNewMetadata().withName("team-internal-api").withNamespace(namespace).endMetadata()
                .withNewSpec().withNewPodSelector().endPodSelector().withPolicyTypes("Egress")
                .addNewEgress().addNewTo().withNewIpBlock().withCidr("10.0.0.0/8").endIpBlock().endTo().endEgress()
                .endSpec().build();
        // And one that selects other pods only: not reported.
        NetworkPolicy elsewhere = new NetworkPolicyBuilder(widening).editMetadata().withName("web-egress")
                .endMetadata().editSpec().withNewPodSelector().addToMatchLabels("app", "web").endPodSelector()
                .endSpec().build();
        OPERATOR.client().resource(elsewhere).create();
        OPERATOR.client().resource(widening).create();

        eventually(CONVERGENCE).untilAsserted(() -> assertThat(egressReady(namespace)).satisfies(c -> {
            assertThat(c.status()).isEqualTo(SandboxCondition.FALSE);
            assertThat(c.reason()).isEqualTo("EgressWidened");
            assertThat(c.message()).contains("team-internal-api").doesNotContain("web-egress")
                    .doesNotContain(SandboxObjects.networkPolicyName("agent"));
        }));
        eventually(CONVERGENCE).untilAsserted(() -> assertThat(events(namespace)).anySatisfy(event -> {
            assertThat(event.getType()).isEqualTo("Warning");
            assertThat(event.getReason()).isEqualTo("EgressWidened");
            assertThat(event.getMessage()).contains("team-internal-api");
            assertThat(event.getInvolvedObject().getKind()).isEqualTo(AgentSandbox.KIND);
            assertThat(event.getInvolvedObject().getName()).isEqualTo("agent");
        }));

        OPERATOR.client().resource(widening).delete();

        eventually(CONVERGENCE).untilAsserted(() -> assertThat(egressReady(namespace)).satisfies(c -> {
            assertThat(c.status()).isEqualTo(SandboxCondition.TRUE);
            assertThat(c.reason()).isEqualTo("PolicyApplied");
        }));
        eventually(CONVERGENCE).untilAsserted(() -> assertThat(events(namespace))
                .anySatisfy(event -> assertThat(event.getReason()).isEqualTo("EgressNarrowed")));
        Sandboxes.assertReady(OPERATOR.client(), namespace, "agent");
    }

    /**
     * A short-lived sandbox (issue 14, a sandbox per tool call): with {@code activeDeadlineSeconds} and
     * {@code shutdownPolicy: Delete} the operator deletes it that long after its creation, whoever created it, with a
     * Normal Event naming the field; what it owned goes with it. The deadline is checked by a reconcile scheduled for
     * that instant, not by polling.
     */
    @Test
    void aSandboxWithAnActiveDeadlineIsDeletedByTheOperatorWhenItPasses() {
        String namespace = ClusterFixtures.freshNamespace(OPERATOR.client(), "deadline");
        AgentSandbox sandbox = TestSandboxes.minimal(namespace, "tool-call");
        LifecycleSpec lifecycle = new LifecycleSpec();
        lifecycle.setActiveDeadlineSeconds(10L);
        lifecycle.setShutdownPolicy(ShutdownPolicy.DELETE);
        sandbox.getSpec().setLifecycle(lifecycle);
        Sandboxes.apply(OPERATOR.client(), sandbox);
        // What it owns is made at its first reconcile, well before the deadline; Ready is not the point here, and
        // waiting for it would need a deadline that leaves a loaded machine time for kwok's pod start.
        eventually(CONVERGENCE).untilAsserted(() -> assertThat(Sandboxes.managedPods(OPERATOR.client(), namespace))
                .as("the sandbox's pod before its deadline").isNotEmpty());

        eventually(CONVERGENCE).untilAsserted(() -> {
            assertThat(Sandboxes.sandbox(OPERATOR.client(), namespace, "tool-call").get()).as("sandbox after its deadline")
                    .isNull();
            assertThat(Sandboxes.managedPods(OPERATOR.client(), namespace)).isEmpty();
        });
        assertThat(events(namespace)).anySatisfy(event -> {
            assertThat(event.getType()).isEqualTo("Normal");
            assertThat(event.getReason()).isEqualTo("Expired");
            assertThat(event.getMessage()).isEqualTo("spec.lifecycle.activeDeadlineSeconds 10 passed: deleting the"
                    + " sandbox (shutdownPolicy Delete)");
            assertThat(event.getInvolvedObject().getName()).isEqualTo("tool-call");
        });
    }

    private static SandboxCondition egressReady(String namespace) {
        return condition(Sandboxes.sandbox(OPERATOR.client(), namespace, "agent").get(), "EgressReady");
    }

    private static List<Event> events(String namespace) {
        return OPERATOR.client().v1().events().inNamespace(namespace).list().getItems();
    }
}
