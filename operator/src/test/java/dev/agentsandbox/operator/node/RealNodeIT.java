package dev.agentsandbox.operator.node;

import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.EmbeddedControlPlane;
import dev.agentsandbox.operator.testing.EmbeddedNode;
import dev.agentsandbox.operator.testing.NodeExtension;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.readiness.Readiness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded node runs Pods for real: runc and gVisor, Service DNS, kube-proxy, NetworkPolicy enforcement,
 * containment of pod traffic, {@code kubectl exec} and {@code kubectl logs}. Every Pod here uses the busybox image
 * hack/provision-node.sh builds offline.
 */
@ExtendWith(NodeExtension.class)
class RealNodeIT {

    private static final Duration POD_START = Duration.ofSeconds(120);
    private static final Duration CONVERGENCE = Duration.ofSeconds(60);
    /** TEST-NET-3: no test host lives there, so only the node's containment rule can answer for it. */
    private static final String OUTSIDE_ADDRESS = "203.0.113.7";

    private static String namespace;
    private static String webPodIp;

    /** One web server Pod and its Service for the tests that need a peer. */
    @BeforeAll
    static void webServer(KubernetesClient client) {
        namespace = ClusterFixtures.freshNamespace(client, "node");
        Pod web = start(client, busybox("web", null,
                "mkdir -p /www && echo web-ok > /www/index.html && exec httpd -f -p 8080 -h /www"));
        webPodIp = web.getStatus().getPodIP();
        client.resource(new ServiceBuilder().withNewMetadata().withName("web").withNamespace(namespace).endMetadata()
                .withNewSpec().addToSelector("app", "web").addNewPort().withPort(80).withNewTargetPort(8080)
                .endPort().endSpec().build()).create();
    }

    @Test
    void nodeRegistersReadyAtItsAddressAndTainted(KubernetesClient client) {
        Node node = client.nodes().withName(EmbeddedNode.NODE_NAME).get();
        assertThat(Readiness.isNodeReady(node)).isTrue();
        assertThat(node.getStatus().getAddresses())
                .anySatisfy(a -> assertThat(a.getAddress()).isEqualTo(EmbeddedNode.NODE_IP));
        assertThat(node.getSpec().getTaints()).anySatisfy(t -> assertThat(t.getKey()).isEqualTo(EmbeddedNode.TAINT_KEY));
        assertThat(node.getStatus().getNodeInfo().getContainerRuntimeVersion()).startsWith("containerd://");
        assertThat(webPodIp).startsWith("198.18.0.");
    }

    @Test
    void runcPodRunsAndKubectlLogsAndExecWork(KubernetesClient client, EmbeddedNode node) {
        start(client, busybox("hello", null, "echo hello-from-$(hostname); exec sleep 3600"));

        assertThat(node.kubectl("logs", "-n", namespace, "hello")).contains("hello-from-hello");
        // runc shares the host's kernel.
        assertThat(node.kubectl("exec", "-n", namespace, "hello", "--", "uname", "-r").strip())
                .isEqualTo(System.getProperty("os.version"));
    }

    @Test
    void podUnderTheRunscRuntimeClassRunsOnGvisor(KubernetesClient client, EmbeddedNode node) {
        start(client, busybox("sandboxed", EmbeddedNode.RUNSC, "echo started; exec sleep 3600"));

        // gVisor's own kernel: its boot messages and a kernel release that is not the host's.
        assertThat(node.kubectl("exec", "-n", namespace, "sandboxed", "--", "dmesg")).contains("gVisor");
        assertThat(node.kubectl("exec", "-n", namespace, "sandboxed", "--", "uname", "-r").strip())
                .isNotEqualTo(System.getProperty("os.version"));
        assertThat(node.kubectl("logs", "-n", namespace, "sandboxed")).contains("started");
    }

    @Test
    void serviceNamesAndTestHostsResolveFromAPod(KubernetesClient client, EmbeddedNode node) {
        start(client, busybox("resolver", null, "exec sleep 3600"));
        String clusterIp = client.services().inNamespace(namespace).withName("web").get().getSpec().getClusterIP();
        assertThat(clusterIp).startsWith("198.19.");
        node.addTestHost("api.example.test", "198.19.128.10");

        ClusterFixtures.eventually(CONVERGENCE).untilAsserted(() -> {
            assertThat(shell(node, "resolver", "nslookup web." + namespace + ".svc.cluster.local")).contains(clusterIp);
            assertThat(shell(node, "resolver", "nslookup api.example.test")).contains("198.19.128.10");
            // Through kube-proxy's Service rules to the web Pod.
            assertThat(shell(node, "resolver", http(clusterIp, 80))).contains("web-ok");
        });
        // No forwarder: a name outside the cluster and the test hosts has no answer.
        assertThat(shell(node, "resolver", "nslookup example.com")).doesNotContain("Name:");
    }

    @Test
    void networkPolicyDenyingEgressIsEnforced(KubernetesClient client, EmbeddedNode node) {
        start(client, busybox("denied", null, "exec sleep 3600"));
        start(client, busybox("allowed", null, "exec sleep 3600"));
        String url = webPodIp + " 8080";
        ClusterFixtures.eventually(CONVERGENCE).untilAsserted(
                () -> assertThat(reach(node, "denied", url)).isEqualTo("REACHED"));

        client.resource(new NetworkPolicyBuilder().withNewMetadata().withName("deny-egress")
                .withNamespace(namespace).endMetadata()
                .withNewSpec().withNewPodSelector().addToMatchLabels("app", "denied").endPodSelector()
                .withPolicyTypes("Egress").endSpec().build()).create();

        ClusterFixtures.eventually(CONVERGENCE).untilAsserted(
                () -> assertThat(reach(node, "denied", url)).isEqualTo("BLOCKED"));
        assertThat(reach(node, "allowed", url)).as("a Pod the policy does not select").isEqualTo("REACHED");
    }

    @Test
    void podCannotReachAnAddressOutsideTheTestRanges(KubernetesClient client, EmbeddedNode node) {
        start(client, busybox("prisoner", null, "exec sleep 3600"));
        ClusterFixtures.eventually(CONVERGENCE).untilAsserted(
                () -> assertThat(reach(node, "prisoner", webPodIp + " 8080")).isEqualTo("REACHED"));
        long dropsBefore = containmentDrops();

        assertThat(reach(node, "prisoner", OUTSIDE_ADDRESS + " 80")).isEqualTo("BLOCKED");
        assertThat(containmentDrops()).as("packets the node's containment rule dropped").isGreaterThan(dropsBefore);
    }

    @Test
    void podsThatDoNotTolerateTheNodeStillLandOnKwok(KubernetesClient client) {
        Pod pod = new PodBuilder().withNewMetadata().withName("fake").withNamespace(namespace).endMetadata()
                .withNewSpec().addNewContainer().withName("main").withImage(EmbeddedNode.BUSYBOX_IMAGE).endContainer()
                .endSpec().build();
        client.resource(pod).create();
        Pod running = client.pods().inNamespace(namespace).withName("fake")
                .waitUntilCondition(p -> p != null && "Running".equals(p.getStatus().getPhase()), 60, TimeUnit.SECONDS);
        assertThat(running.getSpec().getNodeName()).startsWith(EmbeddedControlPlane.FAKE_NODE_PREFIX);
    }

    /** A busybox Pod that tolerates and selects the real node; {@code runtimeClass} null means runc. */
    private static Pod busybox(String name, String runtimeClass, String script) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace).addToLabels("app", name)
                .endMetadata()
                .withNewSpec()
                .withRuntimeClassName(runtimeClass)
                .withNodeSelector(Map.of(EmbeddedNode.TAINT_KEY, "true"))
                .addNewToleration().withKey(EmbeddedNode.TAINT_KEY).withOperator("Exists").withEffect("NoSchedule")
                .endToleration()
                .withTerminationGracePeriodSeconds(1L)
                .addNewContainer().withName("main").withImage(EmbeddedNode.BUSYBOX_IMAGE).withImagePullPolicy("Never")
                .withCommand("sh", "-c", script).endContainer()
                .endSpec().build();
    }

    private static Pod start(KubernetesClient client, Pod pod) {
        client.resource(pod).create();
        return client.pods().inNamespace(namespace).withName(pod.getMetadata().getName())
                .waitUntilReady(POD_START.toSeconds(), TimeUnit.SECONDS);
    }

    private static String shell(EmbeddedNode node, String pod, String script) {
        return node.kubectl("exec", "-n", namespace, pod, "--", "sh", "-c", script + " 2>&1; true");
    }

    /**
     * An HTTP request with busybox's nc: Debian's static busybox links glibc statically, and its wget crashes on
     * the resolver functions static glibc cannot load (even for an address).
     */
    private static String http(String address, int port) {
        return "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 " + address + " " + port + " 2>/dev/null";
    }

    /** REACHED when {@code "<address> <port>"} answers HTTP within 3 s, BLOCKED otherwise. */
    private static String reach(EmbeddedNode node, String pod, String addressAndPort) {
        String[] target = addressAndPort.split(" ");
        return shell(node, pod, http(target[0], Integer.parseInt(target[1]))
                + " | grep -q '200 OK' && echo REACHED || echo BLOCKED").strip();
    }

    /** The packet counter of the DROP rule in hack/node-host.sh's chain. */
    private static long containmentDrops() {
        String listing = EmbeddedNode.run(java.util.List.of("iptables", "-t", "mangle", "-L", "AGENTSANDBOX-NODE",
                "-n", "-v", "-x"), Map.of(), Duration.ofSeconds(10));
        return listing.lines().filter(l -> l.contains("DROP")).mapToLong(l -> Long.parseLong(l.strip().split("\\s+")[0]))
                .sum();
    }
}
