package dev.agentsandbox.operator.reconciler;

import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.LifecycleMode;
import dev.agentsandbox.operator.api.v1alpha1.LifecycleSpec;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import dev.agentsandbox.operator.api.v1alpha1.ShutdownPolicy;
import dev.agentsandbox.operator.api.v1alpha1.WorkspaceSpec;
import dev.agentsandbox.sidecar.contract.ProxyConfig;
import dev.agentsandbox.sidecar.contract.SidecarConfigJson;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.agentsandbox.operator.reconciler.OperatorTestSupport.assertOwnedBy;
import static dev.agentsandbox.operator.reconciler.OperatorTestSupport.eventually;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

/**
 * The reconciler against the Fabric8 mock API server (CRUD mode): children, status, lifecycle and drift.
 * Each test works in its own namespace.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockCluster.class)
class AgentSandboxReconcilerTest {

    @Inject
    KubernetesClient client;

    private OperatorTestSupport in(String namespace) {
        return new OperatorTestSupport(client, namespace);
    }

    @Test
    void exportsReconcileMetricsForPrometheus() {
        OperatorTestSupport cluster = in("metrics");
        cluster.create(cluster.sandbox(TestSandboxes.minimal("measured")));

        eventually().until(() -> cluster.pod("measured").isPresent());

        String controller = "{controller_name=\"" + AgentSandboxReconciler.NAME + "\"}";
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("reconciliations_started_total" + controller))
                .body(containsString("reconciliations_success_total" + controller))
                .body(containsString("reconciliations_execution_duration_seconds_count" + controller));
    }

    @Test
    void createsOwnedChildrenAndReportsReadyOncePodIsReady() {
        OperatorTestSupport cluster = in("create");
        cluster.secret("anthropic-key", "api-key", "test-not-a-real-key");
        cluster.secret("gitlab-token", "token", "test-not-a-real-token");
        cluster.runnerService("docker-model-runner", "model-runner");

        AgentSandbox sandbox = cluster.create(cluster.sandbox(TestSandboxes.full("openclaw")));

        eventually().until(() -> cluster.pod("openclaw").isPresent());
        AgentSandbox created = cluster.get("openclaw");
        assertOwnedBy(cluster.pod("openclaw").orElseThrow(), created);
        assertOwnedBy(cluster.configMap("openclaw").orElseThrow(), created);
        assertOwnedBy(cluster.networkPolicy("openclaw").orElseThrow(), created);
        assertThat(cluster.claim("openclaw")).as("no workspace size, no claim").isEmpty();
        assertThat(cluster.pod("openclaw").orElseThrow().getSpec().getRuntimeClassName()).isEqualTo("kata");

        cluster.awaitCondition("openclaw", "RuntimeReady", "True", "RuntimeClassFound");
        cluster.awaitCondition("openclaw", "CredentialsReady", "True", "SecretsFound");
        cluster.awaitCondition("openclaw", "ModelRunnerReady", "True", "ServiceFound");
        cluster.awaitCondition("openclaw", "EgressReady", "True", "PolicyApplied");
        cluster.awaitCondition("openclaw", "WorkspaceReady", "True", "EmptyDir");
        cluster.awaitCondition("openclaw", "Ready", "False", "PodNotReady");

        cluster.markPodReady("openclaw");

        SandboxCondition ready = cluster.awaitCondition("openclaw", "Ready", "True", "PodReady");
        AgentSandbox reconciled = cluster.get("openclaw");
        assertThat(reconciled.getStatus().getPhase()).isEqualTo(SandboxPhase.READY);
        assertThat(reconciled.getStatus().getPodName()).isEqualTo("openclaw-sandbox");
        assertThat(reconciled.getStatus().getPodIP()).isEqualTo("10.1.2.3");
        assertThat(reconciled.getStatus().getRuntimeClassName()).isEqualTo("kata");
        assertThat(reconciled.getStatus().getObservedGeneration()).isEqualTo(sandbox.getMetadata().getGeneration()
                == null ? 0L : sandbox.getMetadata().getGeneration());
        assertThat(ready.lastTransitionTime()).isNotBlank();
        assertThat(reconciled.getStatus().getConditions()).extracting(SandboxCondition::type)
                .containsExactly("Ready", "RuntimeReady", "CredentialsReady", "ModelRunnerReady", "EgressReady",
                        "WorkspaceReady");
    }

    @Test
    void aFieldOfANewerCrdDoesNotStopTheOperator() {
        // During an upgrade the CRD can be newer than the running operator, and a user may already set a field it
        // does not know. It must reconcile what it knows and keep watching: an informer that cannot read one
        // object stops for every sandbox.
        OperatorTestSupport cluster = in("newer-crd");
        GenericKubernetesResource newer = client.getKubernetesSerialization().convertValue(
                cluster.sandbox(TestSandboxes.minimal("from-the-future")), GenericKubernetesResource.class);
        newer.setAdditionalProperty("spec", withField(newer.getAdditionalProperties().get("spec"),
                "aFieldFromANewerRelease", "yes"));
        client.resource(newer).create();

        eventually().until(() -> cluster.pod("from-the-future").isPresent());
        cluster.create(cluster.sandbox(TestSandboxes.minimal("after-it")));
        eventually().until(() -> cluster.pod("after-it").isPresent());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> withField(Object object, String field, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) object);
        copy.put(field, value);
        return copy;
    }

    @Test
    void pausedDeletesThePodKeepsTheWorkspaceAndRunningRecreatesIt() {
        OperatorTestSupport cluster = in("pause");
        AgentSandbox sandbox = cluster.sandbox(TestSandboxes.minimal("agent"));
        WorkspaceSpec workspace = new WorkspaceSpec();
        workspace.setSize(new Quantity("1Gi"));
        sandbox.getSpec().setWorkspace(workspace);
        cluster.create(sandbox);
        eventually().until(() -> cluster.pod("agent").isPresent() && cluster.claim("agent").isPresent());
        String claimUid = cluster.claim("agent").orElseThrow().getMetadata().getUid();

        cluster.edit("agent", s -> {
            s.getSpec().setLifecycle(lifecycle(LifecycleMode.PAUSED, null, null));
            return s;
        });

        eventually().until(() -> cluster.pod("agent").isEmpty());
        cluster.awaitCondition("agent", "Ready", "False", "Paused");
        assertThat(cluster.get("agent").getStatus().getPhase()).isEqualTo(SandboxPhase.PAUSED);
        assertThat(cluster.claim("agent")).hasValueSatisfying(c -> assertThat(c.getMetadata().getUid())
                .isEqualTo(claimUid));

        cluster.edit("agent", s -> {
            s.getSpec().getLifecycle().setMode(LifecycleMode.RUNNING);
            return s;
        });

        eventually().until(() -> cluster.pod("agent").isPresent());
        assertThat(cluster.claim("agent").orElseThrow().getMetadata().getUid()).isEqualTo(claimUid);
        assertThat(cluster.pod("agent").orElseThrow().getSpec().getVolumes())
                .anyMatch(v -> v.getPersistentVolumeClaim() != null
                        && v.getPersistentVolumeClaim().getClaimName().equals("agent-workspace"));
    }

    @Test
    void shutdownTimeWithPausePolicyStopsThePodWhenItComes() {
        OperatorTestSupport cluster = in("expire");
        AgentSandbox sandbox = cluster.sandbox(TestSandboxes.minimal("agent"));
        sandbox.getSpec().setLifecycle(lifecycle(LifecycleMode.RUNNING, Instant.now().plusSeconds(4),
                ShutdownPolicy.PAUSE));
        cluster.create(sandbox);

        eventually().until(() -> cluster.pod("agent").isPresent());
        // No event will come at shutdownTime: only the rescheduled reconcile can remove the pod.
        eventually().until(() -> cluster.pod("agent").isEmpty());
        cluster.awaitCondition("agent", "Ready", "False", "Expired");
        assertThat(cluster.get("agent").getStatus().getPhase()).isEqualTo(SandboxPhase.EXPIRED);
    }

    @Test
    void shutdownTimeWithDeletePolicyDeletesTheSandbox() {
        OperatorTestSupport cluster = in("expire-delete");
        AgentSandbox sandbox = cluster.sandbox(TestSandboxes.minimal("agent"));
        sandbox.getSpec().setLifecycle(lifecycle(LifecycleMode.RUNNING, Instant.now().plusSeconds(4),
                ShutdownPolicy.DELETE));
        cluster.create(sandbox);

        eventually().until(() -> cluster.pod("agent").isPresent());
        eventually().until(() -> cluster.get("agent") == null);
    }

    @Test
    void deletedAndEditedChildrenAreRestored() {
        OperatorTestSupport cluster = in("drift");
        cluster.create(cluster.sandbox(TestSandboxes.minimal("agent")));
        eventually().until(() -> cluster.pod("agent").isPresent() && cluster.configMap("agent").isPresent()
                && cluster.networkPolicy("agent").isPresent());
        String originalPolicy = cluster.configMap("agent").orElseThrow().getData().get(ProxyConfig.FILE_NAME);

        client.configMaps().inNamespace("drift").withName("agent-sidecar").edit(cm -> {
            cm.getData().put(ProxyConfig.FILE_NAME, "{\"allow\": [\"**.evil.example\"]}\n");
            return cm;
        });
        eventually().until(() -> originalPolicy.equals(
                cluster.configMap("agent").orElseThrow().getData().get(ProxyConfig.FILE_NAME)));

        int egressRules = cluster.networkPolicy("agent").orElseThrow().getSpec().getEgress().size();
        client.network().v1().networkPolicies().inNamespace("drift").withName("agent-egress").edit(policy -> {
            policy.getSpec().getEgress().add(new NetworkPolicyEgressRule()); // "egress to anywhere"
            return policy;
        });
        eventually().until(() -> cluster.networkPolicy("agent").orElseThrow().getSpec().getEgress().size()
                == egressRules);

        client.network().v1().networkPolicies().inNamespace("drift").withName("agent-egress").delete();
        eventually().until(() -> cluster.networkPolicy("agent").isPresent());

        String podUid = cluster.pod("agent").orElseThrow().getMetadata().getUid();
        client.pods().inNamespace("drift").withName("agent-sandbox").edit(pod -> {
            pod.getSpec().getContainers().get(0).setImage("registry.test/other:1");
            return pod;
        });
        eventually().until(() -> cluster.pod("agent").map(p -> !p.getMetadata().getUid().equals(podUid)
                && p.getSpec().getContainers().get(0).getImage().equals("registry.test/agent:1")).orElse(false));

        client.pods().inNamespace("drift").withName("agent-sandbox").delete();
        eventually().until(() -> cluster.pod("agent").isPresent());
    }

    @Test
    void aPodChangeReplacesThePodAndAPolicyChangeOnlyUpdatesTheConfigMap() {
        OperatorTestSupport cluster = in("change");
        cluster.create(cluster.sandbox(TestSandboxes.minimal("agent")));
        eventually().until(() -> cluster.pod("agent").isPresent());
        Pod first = cluster.pod("agent").orElseThrow();

        cluster.edit("agent", s -> {
            s.getSpec().setEgress(new dev.agentsandbox.operator.api.v1alpha1.EgressSpec());
            s.getSpec().getEgress().setAllow(List.of("pypi.org"));
            return s;
        });
        eventually().until(() -> cluster.configMap("agent").map(ConfigMap::getData)
                .map(d -> SidecarConfigJson.readProxy(d.get(ProxyConfig.FILE_NAME)).allow().contains("pypi.org"))
                .orElse(false));
        assertThat(cluster.pod("agent").orElseThrow().getMetadata().getUid())
                .as("a policy change must not restart the sandbox").isEqualTo(first.getMetadata().getUid());

        cluster.edit("agent", s -> {
            s.getSpec().getAgent().setImage("registry.test/agent:2");
            return s;
        });
        eventually().until(() -> cluster.pod("agent")
                .map(p -> p.getSpec().getContainers().get(0).getImage().equals("registry.test/agent:2"))
                .orElse(false));
        assertThat(cluster.pod("agent").orElseThrow().getMetadata().getUid()).isNotEqualTo(first.getMetadata().getUid());
    }

    /**
     * NetworkPolicies add up: another one that selects the sandbox's pod and allows egress is reported (EgressReady
     * False naming it, a Warning), and the report is withdrawn when the policy goes away.
     */
    @Test
    void aNetworkPolicyThatWidensTheSandboxsEgressIsReportedUntilItIsDeleted() {
        OperatorTestSupport cluster = in("widened");
        cluster.create(cluster.sandbox(TestSandboxes.minimal("agent")));
        cluster.awaitCondition("agent", "EgressReady", "True", "PolicyApplied");

        client.network().v1().networkPolicies().inNamespace("widened").resource(new NetworkPolicyBuilder()
                .withNewMetadata().withName("allow-all-egress").endMetadata()
                .withNewSpec().withNewPodSelector().endPodSelector().withPolicyTypes("Egress")
                .addNewEgress().endEgress().endSpec().build()).create();

        SandboxCondition widened = cluster.awaitCondition("agent", "EgressReady", "False", "EgressWidened");
        assertThat(widened.message()).contains("allow-all-egress");
        eventually().untilAsserted(() -> assertThat(cluster.events()).anySatisfy(event -> {
            assertThat(event.getType()).isEqualTo("Warning");
            assertThat(event.getReason()).isEqualTo("EgressWidened");
            assertThat(event.getMessage()).contains("allow-all-egress");
        }));

        client.network().v1().networkPolicies().inNamespace("widened").withName("allow-all-egress").delete();

        cluster.awaitCondition("agent", "EgressReady", "True", "PolicyApplied");
        eventually().untilAsserted(() -> assertThat(cluster.events())
                .anyMatch(event -> "EgressNarrowed".equals(event.getReason())));
    }

    private static LifecycleSpec lifecycle(LifecycleMode mode, Instant shutdown, ShutdownPolicy policy) {
        LifecycleSpec lifecycle = new LifecycleSpec();
        lifecycle.setMode(mode);
        if (shutdown != null) {
            lifecycle.setShutdownTime(shutdown.toString());
            lifecycle.setShutdownPolicy(policy);
        }
        return lifecycle;
    }
}
