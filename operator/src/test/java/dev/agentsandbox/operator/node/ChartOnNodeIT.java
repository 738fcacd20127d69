package dev.agentsandbox.operator.node;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import dev.agentsandbox.operator.dependent.SandboxObjects;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.EmbeddedControlPlane;
import dev.agentsandbox.operator.testing.EmbeddedNode;
import dev.agentsandbox.operator.testing.LocalChart;
import dev.agentsandbox.operator.testing.NodeExtension;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.readiness.Readiness;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.agentsandbox.operator.testing.ClusterFixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Helm chart installed for real (helm-java, as {@code helm install} does, CRD from its {@code crds/} included)
 * with the locally built operator and sidecar images: the operator runs as a Pod on the embedded node under the
 * chart's ServiceAccount, so the chart's least-privilege RBAC is what it has. An RBAC denial in its log fails the
 * test. The sandboxes it reconciles land on the kwok Node (they do not tolerate the real node): this proves the
 * operator's side; running a sandbox for real is the sandbox tests' job.
 */
@ExtendWith(NodeExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChartOnNodeIT {

    private static final Path IMAGES = LocalChart.IMAGES;
    private static final String RELEASE = LocalChart.RELEASE;
    private static final String INSTANCE_LABEL = "app.kubernetes.io/instance";
    private static final Duration OPERATOR_START = Duration.ofSeconds(180);
    private static final Duration CONVERGENCE = Duration.ofSeconds(120);
    /** The old operator Pod must be gone this soon after its deletion began: SIGTERM stops it at once. */
    private static final Duration STOP_WITHIN = Duration.ofSeconds(10);
    private static final Logger LOG = Logger.getLogger(ChartOnNodeIT.class);

    private static KubernetesClient client;
    private static EmbeddedNode node;
    private static String releaseNamespace;
    private static String sandboxNamespace;

    @BeforeAll
    static void installChart(KubernetesClient kubernetes, EmbeddedNode embeddedNode) {
        client = kubernetes;
        node = embeddedNode;
        for (String image : List.of("operator", "sidecar")) {
            assertThat(IMAGES.resolve(image + ".tar")).as("the %s image: build it with hack/build-images.sh and"
                    + " ./mvnw -Pimages package (or ./mvnw verify without -DskipImages)", image).isNotEmptyFile();
        }
        node.loadImages(IMAGES, "operator", "sidecar");
        // The chart's default RuntimeClass; the node itself made gvisor (handler runsc).
        ClusterFixtures.installRuntimeClasses(client, Map.of("kata", ClusterFixtures.RUNTIME_CLASSES.get("kata")));
        releaseNamespace = ClusterFixtures.freshNamespace(client, "chart");
        boolean crdBefore = client.apiextensions().v1().customResourceDefinitions()
                .withName(ClusterFixtures.CRD_NAME).get() != null;

        // The same values as hack/run-local.sh: local images, the operator on the real node.
        Release release = LocalChart.install(node, releaseNamespace);
        assertThat(release.getStatus()).isEqualTo("deployed");
        if (!crdBefore) {
            assertThat(client.apiextensions().v1().customResourceDefinitions().withName(ClusterFixtures.CRD_NAME)
                    .waitUntilCondition(ClusterFixtures::established, 60, java.util.concurrent.TimeUnit.SECONDS))
                    .as("the CRD the chart carries in crds/, installed by helm install").isNotNull();
        }
        sandboxNamespace = ClusterFixtures.freshNamespace(client, "chart-sandboxes");
    }

    @AfterAll
    static void uninstall() {
        if (releaseNamespace != null) {
            Helm.uninstall(RELEASE).withNamespace(releaseNamespace).withKubeConfig(node.controlPlane().kubeconfig())
                    .ignoreNotFound().call();
        }
    }

    @Test
    @Order(1)
    void operatorPodRunsOnTheNodeUnderItsServiceAccountAndTakesTheLease() {
        Pod pod = awaitOperatorReady(null);

        assertThat(pod.getSpec().getNodeName()).isEqualTo(EmbeddedNode.NODE_NAME);
        assertThat(pod.getSpec().getServiceAccountName()).isEqualTo(RELEASE);
        assertThat(pod.getSpec().getContainers().get(0).getImage()).isEqualTo("localhost/agentsandbox/operator:dev");
        eventually(CONVERGENCE).untilAsserted(() -> assertThat(leaseHolder()).startsWith(holderPrefix(pod)));
        assertNoRbacDenial(pod);
    }

    @Test
    @Order(2)
    void operatorReconcilesASandboxWithTheChartsRbacOnly() {
        Pod operator = awaitOperatorReady(null);
        String name = "chart-full";
        createReferencedObjects();
        AgentSandbox sandbox = TestSandboxes.full(name);
        sandbox.getMetadata().setNamespace(sandboxNamespace);
        sandbox.getMetadata().setGeneration(null);
        client.resource(sandbox).fieldManager(ClusterFixtures.TEST_FIELD_MANAGER).forceConflicts().serverSideApply();

        eventually(CONVERGENCE).untilAsserted(() -> assertReady(name));
        assertThat(client.configMaps().inNamespace(sandboxNamespace).withLabel(SandboxObjects.MANAGED_BY_LABEL,
                SandboxObjects.MANAGED_BY).list().getItems()).hasSize(1);
        assertThat(client.network().v1().networkPolicies().inNamespace(sandboxNamespace).list().getItems()).hasSize(1);
        Pod sandboxPod = client.pods().inNamespace(sandboxNamespace).withName(SandboxObjects.podName(name)).get();
        // The sidecars are native sidecars: init containers that keep running.
        assertThat(sandboxPod.getSpec().getInitContainers()).anySatisfy(c -> assertThat(c.getImage())
                .as("the sidecar image the chart passes").isEqualTo("localhost/agentsandbox/sidecar:dev"));
        assertNoRbacDenial(operator);
    }

    @Test
    @Order(3)
    void aRolloutStopsTheOldPodAtOnceAndHandsTheLeaseToTheNewOne() {
        Pod old = awaitOperatorReady(null);
        String oldName = old.getMetadata().getName();
        client.apps().deployments().inNamespace(releaseNamespace).withName(RELEASE).rolling().restart();

        eventually(CONVERGENCE).until(() -> {
            Pod p = client.pods().inNamespace(releaseNamespace).withName(oldName).get();
            return p == null || p.getMetadata().getDeletionTimestamp() != null;
        });
        long deletionStarted = System.nanoTime();
        eventually(Duration.ofSeconds(60)).until(
                () -> client.pods().inNamespace(releaseNamespace).withName(oldName).get() == null);
        Duration stopped = Duration.ofNanos(System.nanoTime() - deletionStarted);
        LOG.infof("old operator Pod %s gone %d ms after its deletion began", oldName, stopped.toMillis());
        assertThat(stopped).as("time from the old Pod's deletion to its end (SIGTERM must stop the operator)")
                .isLessThan(STOP_WITHIN);

        Pod successor = awaitOperatorReady(oldName);
        eventually(CONVERGENCE).untilAsserted(
                () -> assertThat(leaseHolder()).startsWith(holderPrefix(successor)));
        // The successor reconciles: a sandbox made after the handover converges too.
        AgentSandbox sandbox = TestSandboxes.minimal(sandboxNamespace, "after-rollout");
        client.resource(sandbox).fieldManager(ClusterFixtures.TEST_FIELD_MANAGER).forceConflicts().serverSideApply();
        eventually(CONVERGENCE).untilAsserted(() -> assertReady("after-rollout"));
        assertNoRbacDenial(successor);
    }

    /** The Secrets, and the Model Runner Service (the chart's default: in the release namespace) the sandbox names. */
    private static void createReferencedObjects() {
        for (Map.Entry<String, String> secret : Map.of("anthropic-key", "api-key", "gitlab-token", "token").entrySet()) {
            client.resource(new SecretBuilder().withNewMetadata().withName(secret.getKey())
                    .withNamespace(sandboxNamespace).endMetadata()
                    .addToStringData(secret.getValue(), "test-" + secret.getKey()).build()).create();
        }
        client.resource(new ServiceBuilder().withNewMetadata().withName("docker-model-runner")
                .withNamespace(releaseNamespace).endMetadata().withNewSpec().addNewPort().withPort(80)
                .withNewTargetPort(12434).endPort().endSpec().build()).create();
    }

    private static void assertReady(String name) {
        AgentSandbox sandbox = client.resources(AgentSandbox.class).inNamespace(sandboxNamespace).withName(name).get();
        assertThat(sandbox.getStatus()).as("status of %s", name).isNotNull();
        assertThat(sandbox.getStatus().getConditions()).as("conditions of %s", name).isNotEmpty()
                .allSatisfy(c -> assertThat(c.status()).as("%s: %s", c.type(), c.message())
                        .isEqualTo(SandboxCondition.TRUE));
        assertThat(sandbox.getStatus().getPhase()).isEqualTo(SandboxPhase.READY);
        assertThat(sandbox.getStatus().getNodeName()).startsWith(EmbeddedControlPlane.FAKE_NODE_PREFIX);
    }

    /** The one Ready operator Pod (other than {@code notThis}), with a diagnosis when it does not come. */
    private static Pod awaitOperatorReady(String notThis) {
        try {
            eventually(OPERATOR_START).until(() -> operatorPods().stream()
                    .anyMatch(p -> !p.getMetadata().getName().equals(notThis) && Readiness.isPodReady(p)));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("no Ready operator Pod within " + OPERATOR_START + ": " + diagnosis(), e);
        }
        return operatorPods().stream().filter(p -> !p.getMetadata().getName().equals(notThis))
                .filter(Readiness::isPodReady).findFirst().orElseThrow();
    }

    private static List<Pod> operatorPods() {
        return client.pods().inNamespace(releaseNamespace).withLabel(INSTANCE_LABEL, RELEASE).list().getItems()
                .stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    }

    private static String diagnosis() {
        StringBuilder text = new StringBuilder();
        for (Pod pod : client.pods().inNamespace(releaseNamespace).list().getItems()) {
            text.append("\n").append(pod.getMetadata().getName()).append(" on ").append(pod.getSpec().getNodeName())
                    .append(": ").append(pod.getStatus().getContainerStatuses());
            try {
                text.append("\n").append(node.kubectl("logs", "-n", releaseNamespace, pod.getMetadata().getName(),
                        "--tail", "40"));
            } catch (IllegalStateException e) {
                text.append(" (no log: ").append(e.getMessage()).append(")");
            }
        }
        return text.append("\nevents: ").append(node.kubectl("get", "events", "-n", releaseNamespace)).toString();
    }

    /** The operator's holder identity is {@code <HOSTNAME>_<random>}, and a Pod's HOSTNAME is its name. */
    private static String holderPrefix(Pod pod) {
        return pod.getMetadata().getName() + "_";
    }

    private static String leaseHolder() {
        List<Lease> leases = client.leases().inNamespace(releaseNamespace).list().getItems();
        assertThat(leases).as("the operator's Lease").hasSize(1);
        return leases.get(0).getSpec().getHolderIdentity();
    }

    /** The API server's answer to a request RBAC refuses: "... is forbidden: User ... cannot ...". */
    private static void assertNoRbacDenial(Pod operator) {
        String log = client.pods().inNamespace(releaseNamespace).withName(operator.getMetadata().getName()).getLog();
        assertThat(log).as("log of %s", operator.getMetadata().getName()).isNotBlank();
        assertThat(log.lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT).contains("forbidden")).toList())
                .as("RBAC denials in the operator's log").isEmpty();
    }
}
