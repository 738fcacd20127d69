package dev.agentsandbox.operator.node;

import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.EmbeddedNode;
import dev.agentsandbox.operator.testing.NodeExtension;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Faults of the node stop with one line naming what is missing and the fix, and the host script touches only what
 * the node created. Runs beside the shared node of {@link NodeExtension} (one node per machine), so each fault is
 * made where it cannot harm that node: a made-up kernel, the node's own DNS port, a crashed and restarted containerd.
 */
@ExtendWith(NodeExtension.class)
class NodeFaultsIT {

    @Test
    void aMissingKernelFeatureStopsThePreflightWithOneLine(@TempDir Path fakeProc) throws IOException {
        Files.writeString(fakeProc.resolve("filesystems"), Files.readString(Path.of("/proc/filesystems"))
                .lines().filter(l -> !l.contains("overlay")).reduce("", (a, l) -> a + l + "\n"));
        assertThat(failureOf("preflight", Map.of("NODE_HOST_PROC", fakeProc.toString())))
                .contains("kernel lacks overlayfs").doesNotContain("\n");

        Files.writeString(fakeProc.resolve("filesystems"), "nodev\toverlay\n");
        assertThat(failureOf("preflight", Map.of("NODE_HOST_PROC", fakeProc.toString())))
                .contains("br_netfilter").doesNotContain("\n");
    }

    @Test
    void aPortInUseStopsThePreflightWithOneLine(EmbeddedNode node) {
        // The running node's CoreDNS holds the DNS port a second node would need.
        assertThat(failureOf("preflight", Map.of())).contains("port 53/udp is in use").contains("coredns")
                .doesNotContain("\n");
    }

    @Test
    void aSecondNodeIsRefusedAndNothingIsTouched(EmbeddedNode node) {
        List<String> before = nodeSkeleton();
        assertThat(failureOf("up", Map.of())).contains("a node is already running on this machine")
                .doesNotContain("\n");
        assertThat(failureOf("down", Map.of())).contains("owned by the running process").doesNotContain("\n");
        assertThat(nodeSkeleton()).isEqualTo(before);
        node.assertHealthy();
    }

    /** The node's daemons, interface and containment chain: what a refused up or down must leave alone. */
    private static List<String> nodeSkeleton() {
        return host("leftovers", Map.of()).lines()
                .filter(l -> l.matches("(link .*|chain mangle/AGENTSANDBOX-NODE|process \\d+ \\S+/(containerd|kubelet"
                        + "|kube-proxy|coredns|kube-router) .*)"))
                .distinct().sorted().toList();
    }

    @Test
    void cleanupCoversTheNodeAndNothingElse(EmbeddedNode node) throws Exception {
        // Decoys with names one character away from the node's: a process and an iptables chain.
        Process decoy = new ProcessBuilder("sh", "-c", "sleep 300", "/run/agentsandbox-node-decoy/x").start();
        EmbeddedNode.run(List.of("iptables", "-t", "mangle", "-N", "AGENTSANDBOX-NODE-DECOY"), Map.of(),
                Duration.ofSeconds(10));
        try {
            String leftovers = host("leftovers", Map.of());
            assertThat(leftovers).contains("chain mangle/AGENTSANDBOX-NODE\n").contains("link asnode0")
                    .containsPattern("process \\d+ \\S+/containerd --conf")
                    .containsPattern("process \\d+ \\S+/kubelet --conf")
                    .doesNotContain("DECOY").doesNotContain("process " + decoy.pid() + " ");
        } finally {
            decoy.destroyForcibly();
            EmbeddedNode.run(List.of("iptables", "-t", "mangle", "-X", "AGENTSANDBOX-NODE-DECOY"), Map.of(),
                    Duration.ofSeconds(10));
        }
    }

    @Test
    void aDeadContainerdIsNamedInOneLineAndTheNodeRecoversWhenItIsBack(EmbeddedNode node, KubernetesClient client) {
        node.crash("containerd");
        try {
            assertThatThrownBy(node::assertHealthy).hasMessageContaining("the node's containerd is not running")
                    .hasMessageContaining("restart the node").hasMessageNotContaining("\n");
        } finally {
            node.restart("containerd");
        }
        node.assertHealthy();
        String namespace = ClusterFixtures.freshNamespace(client, "node-faults");
        client.resource(new PodBuilder().withNewMetadata().withName("after-restart").withNamespace(namespace)
                .endMetadata().withNewSpec()
                .withNodeSelector(Map.of(EmbeddedNode.TAINT_KEY, "true"))
                .addNewToleration().withKey(EmbeddedNode.TAINT_KEY).withOperator("Exists").endToleration()
                .addNewContainer().withName("main").withImage(EmbeddedNode.BUSYBOX_IMAGE).withImagePullPolicy("Never")
                .withCommand("sleep", "3600").endContainer().endSpec().build()).create();
        client.pods().inNamespace(namespace).withName("after-restart").waitUntilReady(120, TimeUnit.SECONDS);
    }

    private static String host(String action, Map<String, String> environment) {
        return EmbeddedNode.run(List.of("bash", EmbeddedNode.hostScript().toString(), action), environment,
                Duration.ofSeconds(60));
    }

    /** The whole output of a host script action that must fail: one line is the contract. */
    private static String failureOf(String action, Map<String, String> environment) {
        EmbeddedNode.Result result = EmbeddedNode.execute(
                List.of("bash", EmbeddedNode.hostScript().toString(), action), environment, Duration.ofSeconds(60));
        assertThat(result.exitCode()).as("exit code of hack/node-host.sh %s: %s", action, result.output())
                .isNotZero();
        return result.output().strip();
    }
}
