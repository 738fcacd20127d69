package dev.agentsandbox.operator.testing;

import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.readiness.Readiness;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Kubernetes node next to an {@link EmbeddedControlPlane}: containerd 2 (runc, and gVisor as the
 * {@value #RUNSC} RuntimeClass), the kubelet, kube-proxy, CoreDNS and kube-router's NetworkPolicy controller, all
 * started here as child processes (there is no systemd), from the parts {@code hack/provision-node.sh} built.
 * {@code hack/node-host.sh} checks the host first (one line per missing piece), cleans what a killed run left, and
 * creates the node's network: see that script for the addresses and the containment rule.
 *
 * <p>The node is tainted {@value #TAINT_KEY}: only Pods that tolerate it run for real; everything else keeps landing
 * on the control plane's kwok Nodes. One node per machine (its names and addresses are fixed).
 */
public final class EmbeddedNode implements AutoCloseable {

    public static final String NODE_NAME = "agentsandbox-node";
    /** The node's address, on the dummy interface the host script creates: kubelet, API server and DNS. */
    public static final String NODE_IP = "198.19.255.1";
    public static final String TAINT_KEY = "agentsandbox.dev/real-node";
    /** RuntimeClass and containerd runtime handler of gVisor. */
    public static final String RUNSC = "runsc";
    /** The test image hack/provision-node.sh builds from Debian's busybox-static (sh, nslookup, wget, dmesg...). */
    public static final String BUSYBOX_IMAGE = "localhost/busybox:latest";
    public static final String PAUSE_IMAGE = "localhost/pause:latest";
    /** Network namespaces that play the tests' internet get addresses from here (see hack/node-host.sh). */
    public static final String TEST_HOSTS_CIDR = "198.19.128.0/18";

    static final Path STATE_DIR = Paths.get("/run/agentsandbox-node");
    /** The node's data directory (its cleanup removes it): where volumes the node mounts belong. */
    public static final Path DATA_DIR = Paths.get("/var/lib/agentsandbox-node");
    private static final String POD_CIDR = "198.18.0.0/24";
    private static final String CLUSTER_CIDR = "198.18.0.0/16";
    private static final String CGROUP_ROOT = "/agentsandbox-node";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    private static final Logger LOG = Logger.getLogger(EmbeddedNode.class);

    private final NodeBinaries binaries;
    private final Path workDir;
    private final List<ChildProcess> processes = new ArrayList<>();
    /** How each program was started, to start it again after a crash. */
    private final Map<String, Launch> launches = new java.util.LinkedHashMap<>();
    private final Thread shutdownHook = new Thread(this::hostDownQuietly, "stop-embedded-node");
    private EmbeddedControlPlane plane;

    private EmbeddedNode(NodeBinaries binaries, Path workDir) {
        this.binaries = binaries;
        this.workDir = workDir;
    }

    /**
     * Prepares the host, starts a control plane reachable at {@link #NODE_IP} with {@code fakeNodes} kwok Nodes,
     * then the node; returns once the node is Ready. Fails with one line naming what is missing and the fix.
     */
    public static EmbeddedNode start(Path workDir, int fakeNodes) {
        long started = System.nanoTime();
        EmbeddedNode node = new EmbeddedNode(NodeBinaries.locate(), workDir);
        node.host("up");
        Runtime.getRuntime().addShutdownHook(node.shutdownHook);
        try {
            node.plane = EmbeddedControlPlane.start(workDir, fakeNodes, NODE_IP);
            node.startNode();
        } catch (RuntimeException | Error e) {
            node.close();
            throw e;
        }
        LOG.infof("Node %s Ready in %d ms (parts in %s, logs in %s)", NODE_NAME,
                Duration.ofNanos(System.nanoTime() - started).toMillis(), node.binaries.directory(),
                workDir.resolve("logs"));
        return node;
    }

    public EmbeddedControlPlane controlPlane() {
        return plane;
    }

    public KubernetesClient client() {
        return plane.client();
    }

    /**
     * Makes CoreDNS answer {@code name} with {@code address} (within a second): a test host of the run. Replaces what
     * an earlier test of the same node gave that name: with both, CoreDNS answered either, and a later test's
     * clients reached the earlier test's address.
     */
    public synchronized void addTestHost(String name, String address) {
        Path hosts = STATE_DIR.resolve("test-hosts");
        try {
            List<String> kept = new ArrayList<>();
            for (String line : Files.readAllLines(hosts, StandardCharsets.UTF_8)) {
                String[] fields = line.trim().split("\\s+");
                if (!(fields.length == 2 && fields[1].equals(name))) {
                    kept.add(line);
                }
            }
            kept.add(address + " " + name);
            // Written whole and moved into place, so CoreDNS never reads half a file.
            Path next = hosts.resolveSibling("test-hosts.next");
            Files.write(next, kept, StandardCharsets.UTF_8);
            Files.move(next, hosts, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Imports images hack/build-images.sh built ({@code localhost/agentsandbox/<name>:dev}) into the node's
     * containerd with hack/load-images.sh, so Pods can run them with {@code imagePullPolicy: Never}.
     */
    public void loadImages(Path imagesDir, String... names) {
        List<String> command = new ArrayList<>(List.of("bash",
                hostScript().resolveSibling("load-images.sh").toString(),
                STATE_DIR.resolve("containerd").resolve("containerd.sock").toString()));
        command.addAll(List.of(names));
        // The node's own ctr first: it speaks to containerd 2 whatever the host has installed.
        run(command, Map.of("AGENTSANDBOX_IMAGES_DIR", imagesDir.toString(),
                "PATH", binaries.directory() + ":" + System.getenv("PATH")), Duration.ofSeconds(180));
    }

    /**
     * Kills a container's main process through the node's containerd ({@code ctr tasks kill --signal SIGKILL}), as
     * a crash would: under runc and under gVisor alike. {@code containerId} as in a Pod's container status, with or
     * without its {@code containerd://} prefix.
     */
    public void killContainer(String containerId) {
        String id = containerId.replaceFirst("^containerd://", "");
        run(List.of(binaries.binary("ctr").toString(), "--address",
                STATE_DIR.resolve("containerd").resolve("containerd.sock").toString(), "--namespace", "k8s.io",
                "tasks", "kill", "--signal", "SIGKILL", id), Map.of(), Duration.ofSeconds(30));
    }

    /** Runs {@code kubectl} of the control plane against this cluster; returns its output, fails on an error. */
    public String kubectl(String... arguments) {
        List<String> command = new ArrayList<>(List.of(plane.binaries().binary("kubectl").toString(),
                "--kubeconfig", plane.kubeconfig().toString()));
        command.addAll(List.of(arguments));
        return run(command, Map.of(), Duration.ofSeconds(60));
    }

    private void startNode() {
        Path containerdSocket = STATE_DIR.resolve("containerd").resolve("containerd.sock");
        Path kubeconfig = STATE_DIR.resolve("kubeconfig");
        copy(plane.kubeconfig(), kubeconfig);
        EmbeddedControlPlane.write(STATE_DIR.resolve("test-hosts"), "");
        EmbeddedControlPlane.createDirectories(workDir.resolve("logs").resolve("runsc"));
        writeContainerdConfig(containerdSocket);
        writeCniConfig();

        // The shims (runc's, runsc's) are found on the PATH, next to containerd.
        launch("containerd", Map.of("PATH", binaries.directory() + ":" + System.getenv("PATH")),
                binaries.binary("containerd").toString(), "--config", STATE_DIR.resolve("containerd.toml").toString());
        List<String> ctr = List.of(binaries.binary("ctr").toString(), "--address", containerdSocket.toString(),
                "--namespace", "k8s.io");
        awaitUntil("containerd on " + containerdSocket, () -> succeeds(concat(ctr, "version")));
        for (String image : List.of("pause", "busybox")) {
            run(concat(ctr, "image", "import", "--base-name", "localhost/" + image,
                    binaries.image(image).toString()), Map.of(), Duration.ofSeconds(60));
        }

        int kubeletPort = EmbeddedControlPlane.freePort(NODE_IP);
        EmbeddedControlPlane.write(STATE_DIR.resolve("kubelet.yaml"), kubeletConfig(containerdSocket, kubeletPort));
        launch("kubelet", Map.of(), binaries.binary("kubelet").toString(),
                "--config", STATE_DIR.resolve("kubelet.yaml").toString(),
                "--kubeconfig", kubeconfig.toString(),
                "--hostname-override", NODE_NAME, "--node-ip", NODE_IP,
                "--node-labels", TAINT_KEY + "=true",
                "--root-dir", DATA_DIR.resolve("kubelet").toString(),
                "--cert-dir", STATE_DIR.resolve("kubelet-pki").toString(), "--v=1");

        KubernetesClient client = plane.client();
        // kube-proxy and kube-router read their Node at start.
        awaitUntil("Node " + NODE_NAME + " Ready",
                () -> {
                    var n = client.nodes().withName(NODE_NAME).get();
                    return n != null && Readiness.isNodeReady(n);
                });

        EmbeddedControlPlane.write(STATE_DIR.resolve("kube-proxy.yaml"), kubeProxyConfig(kubeconfig));
        launch("kube-proxy", Map.of(), binaries.binary("kube-proxy").toString(),
                "--config", STATE_DIR.resolve("kube-proxy.yaml").toString(), "--v=1");

        EmbeddedControlPlane.write(STATE_DIR.resolve("Corefile"), corefile(kubeconfig));
        launch("coredns", Map.of(), binaries.binary("coredns").toString(),
                "-conf", STATE_DIR.resolve("Corefile").toString());

        launch("kube-router", Map.of(), binaries.binary("kube-router").toString(),
                "--kubeconfig", kubeconfig.toString(), "--hostname-override", NODE_NAME,
                "--run-firewall=true", "--run-router=false", "--run-service-proxy=false", "--enable-cni=false",
                "--health-port=0", "--metrics-port=0",
                "--service-cluster-ip-range", EmbeddedControlPlane.SERVICE_CIDR, "--v=1");

        // "runsc" by its handler's name, "gvisor" as the operator's default allow-list names it.
        for (String runtimeClass : List.of(RUNSC, "gvisor")) {
            client.resource(new RuntimeClassBuilder().withNewMetadata().withName(runtimeClass).endMetadata()
                    .withHandler(RUNSC).build()).fieldManager(ClusterFixtures.TEST_FIELD_MANAGER).forceConflicts()
                    .serverSideApply();
        }
        awaitUntil("CoreDNS serving", () -> logContains("coredns", "CoreDNS-"));
    }

    private void writeContainerdConfig(Path socket) {
        Path runscConfig = STATE_DIR.resolve("runsc.toml");
        EmbeddedControlPlane.write(runscConfig, """
                # containerd-shim-runsc-v1: which runsc, where its state lives, and runsc's own flags.
                binary_name = "%s"
                root = "%s"
                [runsc_config]
                  debug-log = "%s/"
                """.formatted(binaries.binary("runsc"), STATE_DIR.resolve("runsc"), workDir.resolve("logs/runsc")));
        EmbeddedControlPlane.write(STATE_DIR.resolve("containerd.toml"), """
                version = 3
                root = "%1$s"
                state = "%2$s/containerd"
                disabled_plugins = ["io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing",
                  "io.containerd.snapshotter.v1.blockfile", "io.containerd.snapshotter.v1.erofs"]
                [grpc]
                  address = "%3$s"
                [ttrpc]
                  address = "%3$s.ttrpc"
                [plugins."io.containerd.cri.v1.images".pinned_images]
                  sandbox = "%4$s"
                [plugins."io.containerd.cri.v1.runtime"]
                  # Network namespaces under the node's state dir: a rerun finds and removes exactly these.
                  netns_mounts_under_state_dir = true
                  disable_apparmor = true
                  # Root here lacks CAP_SYS_RESOURCE: a negative oom_score_adj (the kubelet gives the pause container
                  # -998) kills runc's init ("can't get final child's PID from pipe: EOF"). Clamp to containerd's own.
                  restrict_oom_score_adj = true
                  [plugins."io.containerd.cri.v1.runtime".cni]
                    bin_dirs = ["/usr/lib/cni"]
                    conf_dir = "%2$s/cni/net.d"
                  [plugins."io.containerd.cri.v1.runtime".containerd]
                    default_runtime_name = "runc"
                    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
                      runtime_type = "io.containerd.runc.v2"
                      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
                        Root = "%2$s/runc"
                    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.%5$s]
                      runtime_type = "io.containerd.runsc.v1"
                      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.%5$s.options]
                        TypeUrl = "io.containerd.runsc.v1.options"
                        ConfigPath = "%6$s"
                """.formatted(DATA_DIR.resolve("containerd"), STATE_DIR, socket, PAUSE_IMAGE, RUNSC, runscConfig));
    }

    private static void writeCniConfig() {
        Path dir = STATE_DIR.resolve("cni").resolve("net.d");
        EmbeddedControlPlane.createDirectories(dir);
        EmbeddedControlPlane.write(dir.resolve("10-agentsandbox-node.conflist"), """
                {
                  "cniVersion": "0.4.0",
                  "name": "agentsandbox-node",
                  "plugins": [
                    {
                      "type": "bridge", "bridge": "asnode-br0", "isGateway": true, "ipMasq": false,
                      "hairpinMode": true,
                      "ipam": {
                        "type": "host-local",
                        "ranges": [[{"subnet": "%s", "gateway": "198.18.0.1"}]],
                        "routes": [{"dst": "0.0.0.0/0"}],
                        "dataDir": "%s"
                      }
                    },
                    {"type": "portmap", "capabilities": {"portMappings": true}}
                  ]
                }
                """.formatted(POD_CIDR, STATE_DIR.resolve("cni").resolve("ipam")));
    }

    private String kubeletConfig(Path containerdSocket, int port) {
        return """
                apiVersion: kubelet.config.k8s.io/v1beta1
                kind: KubeletConfiguration
                # These machines mount cgroup v1; Kubernetes 1.34 still runs there when asked to.
                failCgroupV1: false
                cgroupDriver: cgroupfs
                # Every pod process lives below this cgroup: a rerun finds and kills exactly these.
                cgroupRoot: %s
                address: %s
                port: %d
                readOnlyPort: 0
                healthzPort: 0
                authentication:
                  anonymous:
                    enabled: false
                  webhook:
                    enabled: true
                  x509:
                    clientCAFile: %s
                authorization:
                  mode: Webhook
                containerRuntimeEndpoint: unix://%s
                podLogsDir: %s
                clusterDomain: cluster.local
                clusterDNS: [%s]
                resolvConf: %s
                podCIDR: %s
                registerWithTaints:
                - key: %s
                  value: "true"
                  effect: NoSchedule
                failSwapOn: false
                # A shared test machine: never evict or garbage-collect images because a disk fills up.
                evictionHard:
                  memory.available: "1Mi"
                  nodefs.available: "0%%"
                  nodefs.inodesFree: "0%%"
                  imagefs.available: "0%%"
                imageGCHighThresholdPercent: 100
                imageGCLowThresholdPercent: 99
                serializeImagePulls: false
                nodeStatusUpdateFrequency: 5s
                """.formatted(CGROUP_ROOT, NODE_IP, port, plane.clientCertificate(), containerdSocket,
                DATA_DIR.resolve("pod-logs"), NODE_IP,
                STATE_DIR.resolve("resolv.conf"), POD_CIDR, TAINT_KEY);
    }

    private static String kubeProxyConfig(Path kubeconfig) {
        return """
                apiVersion: kubeproxy.config.k8s.io/v1alpha1
                kind: KubeProxyConfiguration
                mode: iptables
                clientConnection:
                  kubeconfig: %s
                hostnameOverride: %s
                bindAddress: %s
                clusterCIDR: %s
                healthzBindAddress: 127.0.0.1:%d
                metricsBindAddress: 127.0.0.1:%d
                nodePortAddresses: ["%s/32"]
                # Zero leaves the host's conntrack sysctls alone.
                conntrack:
                  maxPerCore: 0
                  min: 0
                  tcpEstablishedTimeout: 0s
                  tcpCloseWaitTimeout: 0s
                """.formatted(kubeconfig, NODE_NAME, NODE_IP, CLUSTER_CIDR, EmbeddedControlPlane.freePort(),
                EmbeddedControlPlane.freePort(), NODE_IP);
    }

    private static String corefile(Path kubeconfig) {
        return """
                # Cluster names from the API server and the run's test hosts; no forwarder: nothing leaves.
                .:53 {
                    bind %s
                    errors
                    hosts %s {
                        reload 1s
                        fallthrough
                    }
                    kubernetes cluster.local in-addr.arpa ip6.arpa {
                        kubeconfig %s embedded
                        fallthrough in-addr.arpa ip6.arpa
                    }
                    cache 5
                }
                """.formatted(NODE_IP, STATE_DIR.resolve("test-hosts"), kubeconfig);
    }

    private record Launch(Map<String, String> environment, List<String> command) {
    }

    private void launch(String name, Map<String, String> environment, String... command) {
        launches.put(name, new Launch(environment, List.of(command)));
        processes.add(ChildProcess.start(name, List.of(command), environment, workDir.resolve("logs")));
    }

    /**
     * Fails with one line when a program of the node has died: which one, its last words, and the fix.
     */
    public void assertHealthy() {
        for (ChildProcess process : processes) {
            if (!process.isAlive()) {
                String lastLine = process.tailOfLog(1).strip();
                throw new IllegalStateException("the node's " + process.name() + " is not running (last log line: "
                        + (lastLine.isEmpty() ? "none" : lastLine) + "): see " + process.log()
                        + ", then restart the node (rerun the tests; the rerun cleans up)");
            }
        }
    }

    /** Crashes one program of the node (SIGKILL), as an OOM kill would. */
    public void crash(String program) {
        process(program).kill();
    }

    /** Starts a crashed program again with its original command line. */
    public void restart(String program) {
        ChildProcess old = process(program);
        Launch launch = launches.get(program);
        processes.set(processes.indexOf(old),
                ChildProcess.start(program, launch.command(), launch.environment(), workDir.resolve("logs")));
    }

    private ChildProcess process(String program) {
        return processes.stream().filter(p -> p.name().equals(program)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no program " + program + " in " + launches.keySet()));
    }

    private void awaitUntil(String what, java.util.function.BooleanSupplier condition) {
        EmbeddedControlPlane.awaitUntil(what, START_TIMEOUT, processes, workDir.resolve("logs"), condition);
    }

    private boolean logContains(String process, String text) {
        try {
            return Files.readString(workDir.resolve("logs").resolve(process + ".log")).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    /** hack/node-host.sh: its last line of output is the one-line reason when it fails. */
    private void host(String action) {
        run(List.of("bash", hostScript().toString(), action),
                Map.of("OWNER_PID", "" + ProcessHandle.current().pid(), "NODE_BIN", binaries.directory().toString()),
                Duration.ofSeconds(120));
    }

    private void hostDownQuietly() {
        try {
            host("down");
        } catch (RuntimeException e) {
            LOG.warnf("node cleanup failed: %s", e.getMessage());
        }
    }

    public static Path hostScript() {
        String root = System.getProperty("project.root");
        Path start = root != null ? Paths.get(root) : Paths.get("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path script = dir.resolve("hack").resolve("node-host.sh");
            if (Files.isRegularFile(script)) {
                return script;
            }
        }
        throw new IllegalStateException("hack/node-host.sh not found above " + start
                + ": set -Dproject.root to the repository");
    }

    private static boolean succeeds(List<String> command) {
        try {
            run(command, Map.of(), Duration.ofSeconds(10));
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** Runs a command to its end; its output, or an exception carrying the last line of it. */
    public static String run(List<String> command, Map<String, String> environment, Duration timeout) {
        Result result = execute(command, environment, timeout);
        if (result.exitCode() != 0) {
            String trimmed = result.output().strip();
            String lastLine = trimmed.substring(trimmed.lastIndexOf('\n') + 1);
            throw new IllegalStateException(lastLine.isEmpty()
                    ? String.join(" ", command) + " failed with exit code " + result.exitCode() : lastLine);
        }
        return result.output();
    }

    /** The exit code and the output (stdout and stderr together) of a command that ran to its end. */
    public record Result(int exitCode, String output) {
    }

    public static Result execute(List<String> command, Map<String, String> environment, Duration timeout) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(environment);
            Process process = builder.start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in " + timeout);
            }
            return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command.get(0), e);
        }
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the node's programs (newest first), removes what the node created, then stops the control plane. */
    @Override
    public synchronized void close() {
        for (int i = processes.size() - 1; i >= 0; i--) {
            processes.get(i).close();
        }
        processes.clear();
        hostDownQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook is running: it cleans up itself.
        }
        if (plane != null) {
            plane.close();
        }
    }
}
