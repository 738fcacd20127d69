package dev.agentsandbox.operator.e2e;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.EmbeddedNode;
import dev.agentsandbox.operator.testing.Examples;
import dev.agentsandbox.operator.testing.LocalChart;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.readiness.Readiness;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the E2E scenarios share, set up once per test JVM: the chart with the local images (iptables enforcement),
 * two RuntimeClasses on the real node (runc, and gVisor's runsc, where the NetworkPolicy enforces), one upstream
 * Pod that DNS names as every test host, and the fake Model Runner behind its Service.
 */
final class E2eCluster {

    /** The runc class: its pods get egress-init's iptables rules. */
    static final String RUNC = "e2e-runc";
    /** gVisor: egress-init cannot run there, the NetworkPolicy enforces. */
    static final String GVISOR = "e2e-gvisor";
    static final Map<String, String> HANDLERS = Map.of(RUNC, "runc", GVISOR, EmbeddedNode.RUNSC);

    /** Credential host: the proxy intercepts it and injects the Secret. */
    static final String API_HOST = "api.example.test";
    /** Allowed without a credential: tunnelled, verified by the agent against its image's roots. */
    static final String PKG_HOST = "pkg.example.test";
    static final String GIT_HOST = "git.example.test";
    static final String DENIED_HOST = "denied.example.test";
    static final List<String> HOSTS = List.of(API_HOST, PKG_HOST, GIT_HOST, DENIED_HOST);
    static final String GIT_URL = "https://" + GIT_HOST + "/repo.git";
    static final String GIT_CONTENT = "hello from the e2e git host";
    static final String CREDENTIAL_HEADER = "X-Api-Key";
    static final String MODEL = "ai/fake-e2e";
    /** Room for a Claude Code turn and the model scenario's requests; the budget scenario's loop spends the rest. */
    static final long TOKEN_BUDGET = 2000;

    private static final Duration OPERATOR_START = Duration.ofSeconds(180);
    private static final Duration POD_START = Duration.ofSeconds(180);
    private static final Path TEST_CA = LocalChart.IMAGES.resolve("test-ca");
    private static final Logger LOG = Logger.getLogger(E2eCluster.class);

    final EmbeddedNode node;
    final KubernetesClient client;
    final String releaseNamespace;
    final String hostsNamespace;
    final String upstreamIp;

    private E2eCluster(EmbeddedNode node, String releaseNamespace, String hostsNamespace, String upstreamIp) {
        this.node = node;
        this.client = node.client();
        this.releaseNamespace = releaseNamespace;
        this.hostsNamespace = hostsNamespace;
        this.upstreamIp = upstreamIp;
    }

    static E2eCluster install(EmbeddedNode node) {
        long started = System.nanoTime();
        KubernetesClient client = node.client();
        for (String image : List.of("operator", "sidecar", "agent", "model-runner")) {
            if (!Files.isRegularFile(LocalChart.IMAGES.resolve(image + ".tar"))) {
                throw new IllegalStateException("the " + image + " image is missing: hack/build-images.sh and"
                        + " ./mvnw -Pimages package (or ./mvnw verify without -DskipImages)");
            }
        }
        node.loadImages(LocalChart.IMAGES, "operator", "sidecar", "agent", "model-runner");
        for (Map.Entry<String, String> runtimeClass : HANDLERS.entrySet()) {
            // The node's selector and toleration come with the class, as on a node pool of that runtime.
            client.resource(new RuntimeClassBuilder().withNewMetadata().withName(runtimeClass.getKey()).endMetadata()
                    .withHandler(runtimeClass.getValue()).withNewScheduling()
                    .withNodeSelector(Map.of(EmbeddedNode.TAINT_KEY, "true"))
                    .addToTolerations(new io.fabric8.kubernetes.api.model.TolerationBuilder()
                            .withKey(EmbeddedNode.TAINT_KEY).withOperator("Exists").withEffect("NoSchedule").build())
                    .endScheduling().build())
                    .fieldManager(ClusterFixtures.TEST_FIELD_MANAGER).forceConflicts().serverSideApply();
        }
        String release = ClusterFixtures.freshNamespace(client, "e2e-system");
        String hosts = ClusterFixtures.freshNamespace(client, "e2e-hosts");
        String upstreamIp = startUpstream(client, hosts);
        for (String host : HOSTS) {
            node.addTestHost(host, upstreamIp);
        }
        startModelRunner(client, release);
        LocalChart.install(node, release, values(upstreamIp));
        awaitOperator(client, release);
        LOG.infof("E2E cluster ready in %d s: upstream %s, release namespace %s",
                Duration.ofNanos(System.nanoTime() - started).toSeconds(), upstreamIp, release);
        return new E2eCluster(node, release, hosts, upstreamIp);
    }

    /** On top of hack/local-node-values.yaml. */
    private static Path values(String upstreamIp) {
        String yaml = """
                operator:
                  egressEnforcement: iptables
                  # The upstream Pod's address is in the node's range (198.18.0.0/15), which the proxy refuses
                  # unless the platform allows it, as it would an internal git server.
                  egressAllowCidrs: [%s/32]
                  # The node's CoreDNS runs on the host, not as a kube-dns pod.
                  dnsCidrs: [%s/32]
                  gitImage: %s
                  runtime:
                    defaultClass: %s
                    allowedClasses: [%s, %s]
                  extraEnv:
                    - {name: AGENTSANDBOX_STATUS_REFRESH, value: 3s}
                  # The credential host's certificate comes from the tests' root CA, as an internal API's would
                  # from a corporate CA: the proxies trust it for intercepted upstreams.
                  upstreamTrust:
                    pem: |
                %s""".formatted(upstreamIp, EmbeddedNode.NODE_IP, LocalChart.AGENT_IMAGE, RUNC, RUNC, GVISOR,
                readTestCa("ca.crt").indent(6));
        try {
            Path file = Files.createTempFile("e2e-values", ".yaml");
            Files.writeString(file, yaml);
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readTestCa(String file) {
        try {
            return Files.readString(TEST_CA.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException("the test CA (hack/build-images.sh test makes it in " + TEST_CA + ")", e);
        }
    }

    /** upstream.py in the agent image (python3 and git), as root for its ports, with the test CA's leaf. */
    private static String startUpstream(KubernetesClient client, String namespace) {
        try {
            client.resource(new SecretBuilder().withNewMetadata().withName("upstream-tls").withNamespace(namespace)
                    .endMetadata().addToStringData("tls.crt", readTestCa("tls.crt"))
                    .addToStringData("tls.key", readTestCa("tls.key")).build()).create();
            client.resource(new ConfigMapBuilder().withNewMetadata().withName("upstream").withNamespace(namespace)
                    .endMetadata().addToData("upstream.py", new String(E2eCluster.class
                            .getResourceAsStream("/e2e/upstream.py").readAllBytes(),
                            java.nio.charset.StandardCharsets.UTF_8)).build()).create();
        } catch (IOException e) {
            throw new UncheckedIOException("the upstream's script /e2e/upstream.py", e);
        }
        Pod pod = new PodBuilder().withNewMetadata().withName("upstream").withNamespace(namespace)
                .addToLabels("app", "upstream").endMetadata()
                .withNewSpec()
                .withNodeSelector(Map.of(EmbeddedNode.TAINT_KEY, "true"))
                .addNewToleration().withKey(EmbeddedNode.TAINT_KEY).withOperator("Exists").withEffect("NoSchedule")
                .endToleration()
                .withTerminationGracePeriodSeconds(1L)
                .addNewContainer().withName("upstream").withImage(LocalChart.AGENT_IMAGE).withImagePullPolicy("Never")
                .withCommand("python3", "/opt/e2e/upstream.py", "/etc/tls/tls.crt", "/etc/tls/tls.key")
                .withNewSecurityContext().withRunAsUser(0L).withRunAsGroup(0L).endSecurityContext()
                .withNewReadinessProbe().withNewTcpSocket().withNewPort(443).endTcpSocket().withPeriodSeconds(1)
                .endReadinessProbe()
                .addNewVolumeMount().withName("script").withMountPath("/opt/e2e").endVolumeMount()
                .addNewVolumeMount().withName("tls").withMountPath("/etc/tls").endVolumeMount()
                .endContainer()
                .addNewVolume().withName("script").withNewConfigMap().withName("upstream").endConfigMap().endVolume()
                .addNewVolume().withName("tls").withNewSecret().withSecretName("upstream-tls").endSecret().endVolume()
                .endSpec().build();
        client.resource(pod).create();
        return client.pods().inNamespace(namespace).withName("upstream")
                .waitUntilReady(POD_START.toSeconds(), TimeUnit.SECONDS).getStatus().getPodIP();
    }

    /** The model-runner test image as a Deployment, behind the Service the chart's defaults name. */
    private static void startModelRunner(KubernetesClient client, String namespace) {
        Map<String, String> labels = Map.of("app", "model-runner");
        client.resource(new DeploymentBuilder().withNewMetadata().withName("model-runner").withNamespace(namespace)
                .endMetadata().withNewSpec().withReplicas(1).withNewSelector().withMatchLabels(labels).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata().withNewSpec()
                .withNodeSelector(Map.of(EmbeddedNode.TAINT_KEY, "true"))
                .addNewToleration().withKey(EmbeddedNode.TAINT_KEY).withOperator("Exists").withEffect("NoSchedule")
                .endToleration()
                .withTerminationGracePeriodSeconds(1L)
                .addNewContainer().withName("runner").withImage("localhost/agentsandbox/model-runner:dev")
                .withImagePullPolicy("Never").addNewPort().withContainerPort(12434).endPort()
                .withNewReadinessProbe().withNewTcpSocket().withNewPort(12434).endTcpSocket().withPeriodSeconds(1)
                .endReadinessProbe().endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
        client.resource(new ServiceBuilder().withNewMetadata().withName("docker-model-runner").withNamespace(namespace)
                .endMetadata().withNewSpec().withSelector(labels).addNewPort().withPort(80).withNewTargetPort(12434)
                .endPort().endSpec().build()).create();
    }

    private static void awaitOperator(KubernetesClient client, String namespace) {
        ClusterFixtures.eventually(OPERATOR_START).until(() -> client.pods().inNamespace(namespace)
                .withLabel("app.kubernetes.io/instance", LocalChart.RELEASE).list().getItems().stream()
                .anyMatch(Readiness::isPodReady));
    }

    /**
     * A sandbox as a user writes it, for Claude Code (its preset): a credential for {@link #API_HOST}, egress to the git and package hosts, a
     * model with an allow list and a budget, a claimed workspace cloned from {@link #GIT_URL}. Applied with what it
     * refers to (its Secret, the local volume for its claim).
     */
    AgentSandbox createSandbox(String namespace, String name, String runtimeClass, String canary) {
        setCredential(namespace, name, canary);
        String yaml = """
                apiVersion: agentsandbox.dev/v1alpha1
                kind: AgentSandbox
                metadata: {name: %s}
                spec:
                  runtimeClassName: %s
                  agent:
                    image: %s
                    preset: claude-code
                    resources:
                      requests: {cpu: 50m, memory: 128Mi}
                  workspace:
                    size: 64Mi
                    storageClassName: e2e-local
                    git: {url: "%s"}
                  model:
                    runner: {service: docker-model-runner, namespace: %s, port: 80, engine: llama.cpp}
                    default: %s
                    allowed: [%s]
                    tokenBudget: %d
                  egress:
                    allow: [%s, %s]
                  credentials:
                    - name: api
                      secretRef: {name: %s, key: token}
                      inject:
                        - {host: %s, header: %s, format: "%%s"}
                      env: API_TOKEN
                """.formatted(name, runtimeClass, LocalChart.AGENT_IMAGE, GIT_URL, releaseNamespace, MODEL, MODEL,
                TOKEN_BUDGET, GIT_HOST, PKG_HOST, secretName(name), API_HOST, CREDENTIAL_HEADER);
        List<AgentSandbox> applied = Examples.apply(client, ClusterFixtures.parseManifests(yaml), namespace,
                ClusterFixtures.TEST_FIELD_MANAGER, message -> LOG.info(message), true);
        return applied.get(0);
    }

    /**
     * The host directory of {@code sandbox}'s workspace volume (a local volume, Examples.localize): what this
     * process, on the node's host, writes there, the agent finds under /workspace.
     */
    static Path workspaceOnNode(String namespace, String sandbox) {
        return EmbeddedNode.DATA_DIR.resolve("workspaces")
                .resolve(namespace + "-" + dev.agentsandbox.operator.dependent.SandboxObjects.workspaceClaimName(sandbox));
    }

    /** Creates or rotates the Secret value of {@code sandbox}'s credential. */
    void setCredential(String namespace, String sandbox, String value) {
        client.resource(new SecretBuilder().withNewMetadata().withName(secretName(sandbox)).withNamespace(namespace)
                .endMetadata().addToStringData("token", value).build()).fieldManager(ClusterFixtures.TEST_FIELD_MANAGER)
                .forceConflicts().serverSideApply();
    }

    private static String secretName(String sandbox) {
        return sandbox + "-api-key";
    }

    /** Removes the release (its cluster-scoped RBAC too), so that the node's other tests can install theirs. */
    void uninstall() {
        com.marcnuri.helm.Helm.uninstall(LocalChart.RELEASE).withNamespace(releaseNamespace)
                .withKubeConfig(node.controlPlane().kubeconfig()).ignoreNotFound().call();
    }

    /** {@code kubectl exec} into a container: exit code and output (stdout and stderr), never an exception. */
    EmbeddedNode.Result exec(String namespace, String pod, String container, String script, Duration timeout) {
        List<String> command = new ArrayList<>(List.of(node.controlPlane().binaries().binary("kubectl").toString(),
                "--kubeconfig", node.controlPlane().kubeconfig().toString(), "exec", "-n", namespace, pod, "-c",
                container, "--", "bash", "-c", script));
        return EmbeddedNode.execute(command, Map.of(), timeout);
    }
}
