package dev.agentsandbox.operator.testing;

import io.fabric8.kubeapitest.cert.CertManager;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.readiness.Readiness;
import org.bouncycastle.asn1.x509.GeneralName;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * A real Kubernetes control plane on 127.0.0.1, like kubebuilder's envtest plus the parts envtest lacks:
 * etcd and kube-apiserver, then kube-controller-manager (garbage collection, namespaces, ServiceAccounts),
 * kube-scheduler and kwok, which fakes the kubelets of {@link #FAKE_NODE_PREFIX}* Nodes (Pods turn Running).
 *
 * <p>kube-api-test provides the binaries and the certificates; the processes are started here because its own
 * launcher binds etcd and kube-apiserver to every address, and only loopback is allowed. Every process is stopped
 * with its process tree by {@link #close()}, or by its JVM shutdown hook (see {@link ChildProcess}).
 */
public final class EmbeddedControlPlane implements AutoCloseable {

    public static final String FAKE_NODE_PREFIX = "kwok-node-";
    public static final String KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node";

    /** Services get addresses from the benchmarking range 198.18.0.0/15 too (see hack/node-host.sh). */
    public static final String SERVICE_CIDR = "198.19.0.0/17";
    /** The first address of {@link #SERVICE_CIDR}: the {@code kubernetes} Service. */
    public static final String KUBERNETES_SERVICE_IP = "198.19.0.1";

    private static final Logger LOG = Logger.getLogger(EmbeddedControlPlane.class);
    static final String LOOPBACK = "127.0.0.1";
    /** Fake Pod addresses: apart from the real node's 198.18.0.0/24, so both kinds of Pods can coexist. */
    private static final String KWOK_POD_CIDR = "198.18.128.0/17";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

    private final ControlPlaneBinaries binaries;
    private final Path workDir;
    private final String apiAddress;
    private final List<String> extraApiServerFlags;
    private final List<ChildProcess> processes = new ArrayList<>();
    private Path kubeconfig;
    private KubernetesClient client;

    private EmbeddedControlPlane(ControlPlaneBinaries binaries, Path workDir, String apiAddress,
                                 List<String> extraApiServerFlags) {
        this.binaries = binaries;
        this.extraApiServerFlags = List.copyOf(extraApiServerFlags);
        this.workDir = workDir;
        this.apiAddress = apiAddress;
    }

    /**
     * Starts everything and returns once the API server is ready and, with the full set of binaries, the fake
     * Nodes are Ready and the controller-manager has created the default ServiceAccount.
     */
    public static EmbeddedControlPlane start(Path workDir, int fakeNodes) {
        return start(workDir, fakeNodes, LOOPBACK);
    }

    /**
     * As {@link #start(Path, int)}, with the API server bound to and advertised at {@code apiAddress}: a local
     * address Pods can reach too (a real node's), so the {@code kubernetes} Service leads to it and the kubelet
     * serves {@code exec} and {@code logs} to it.
     */
    public static EmbeddedControlPlane start(Path workDir, int fakeNodes, String apiAddress) {
        return start(workDir, fakeNodes, apiAddress, List.of());
    }

    /**
     * As {@link #start(Path, int, String)}, with more flags for kube-apiserver (a benchmark's audit log, say).
     */
    public static EmbeddedControlPlane start(Path workDir, int fakeNodes, String apiAddress,
                                             List<String> extraApiServerFlags) {
        long started = System.nanoTime();
        EmbeddedControlPlane plane = new EmbeddedControlPlane(ControlPlaneBinaries.locate(), workDir, apiAddress,
                extraApiServerFlags);
        try {
            plane.startApiServerTier();
            if (plane.binaries.complete()) {
                plane.startRestOfTheCluster(fakeNodes);
            } else {
                LOG.warn(plane.binaries.whyIncomplete());
            }
        } catch (RuntimeException | Error e) {
            plane.close();
            throw e;
        }
        LOG.infof("Control plane ready in %d ms (binaries %s, work dir %s, %s)",
                Duration.ofNanos(System.nanoTime() - started).toMillis(), plane.binaries.directory(), workDir,
                plane.binaries.complete() ? fakeNodes + " fake Nodes" : "API server tier only");
        return plane;
    }

    /** A client with cluster-admin rights (system:masters). Closed with the control plane. */
    public KubernetesClient client() {
        return client;
    }

    /** A kubeconfig file for kubectl and for processes (the operator) that talk to this control plane. */
    public Path kubeconfig() {
        return kubeconfig;
    }

    public ControlPlaneBinaries binaries() {
        return binaries;
    }

    /** Whether the controller-manager, the scheduler and kwok run: GC, scheduling and Running Pods. */
    public boolean isComplete() {
        return binaries.complete();
    }

    public Path workDir() {
        return workDir;
    }

    /**
     * The control plane's processes by name ({@code etcd}, {@code kube-apiserver}, {@code kube-controller-manager},
     * {@code kube-scheduler}, {@code kwok}) and their process ids, in start order: what a benchmark reads the CPU
     * time of.
     */
    public synchronized Map<String, Long> processIds() {
        Map<String, Long> ids = new java.util.LinkedHashMap<>();
        processes.forEach(process -> ids.put(process.name(), process.pid()));
        return ids;
    }

    /** The address the API server listens on: loopback, or a real node's address. */
    public String apiAddress() {
        return apiAddress;
    }

    /** The client certificate and key of the kubeconfig (system:masters), also the CA a kubelet trusts. */
    public Path clientCertificate() {
        return workDir.resolve("pki").resolve(CertManager.CLIENT_CERT_NAME);
    }

    /** The API server's self-signed certificate: the CA of every client of this control plane. */
    public Path apiServerCertificate() {
        return workDir.resolve("pki").resolve(CertManager.API_SERVER_CERT_NAME);
    }

    private void startApiServerTier() {
        createDirectories(workDir);
        Path pki = workDir.resolve("pki");
        createDirectories(pki);
        CertManager certificates = new CertManager(pki.toString());
        certificates.createCertificatesIfNeeded();
        boolean onLoopback = LOOPBACK.equals(apiAddress);
        if (!onLoopback) {
            // kube-api-test's certificate names 127.0.0.1 only; Pods dial the Service IP, the node its address.
            CertManager.generateKeyAndCertificate("CN=kube-apiserver",
                    Path.of(certificates.getAPIServerKeyPath()).toFile(),
                    Path.of(certificates.getAPIServerCertPath()).toFile(),
                    new GeneralName(GeneralName.iPAddress, LOOPBACK),
                    new GeneralName(GeneralName.iPAddress, apiAddress),
                    new GeneralName(GeneralName.iPAddress, KUBERNETES_SERVICE_IP),
                    new GeneralName(GeneralName.dNSName, "kubernetes.default.svc"),
                    new GeneralName(GeneralName.dNSName, "kubernetes.default.svc.cluster.local"));
        }

        int etcdPort = freePort();
        int peerPort = freePort();
        String etcdUrl = "http://" + LOOPBACK + ":" + etcdPort;
        String peerUrl = "http://" + LOOPBACK + ":" + peerPort;
        launch("etcd", binaries.binary("etcd").toString(),
                "--name", "embedded", "--data-dir", workDir.resolve("etcd").toString(),
                "--listen-client-urls", etcdUrl, "--advertise-client-urls", etcdUrl,
                "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                "--initial-cluster", "embedded=" + peerUrl,
                // Test data: durability buys nothing and fsync costs seconds on a loaded disk.
                "--unsafe-no-fsync");
        awaitUntil("etcd /health", () -> etcdHealthy(etcdUrl));

        int apiPort = freePort(apiAddress);
        List<String> apiServer = new ArrayList<>(List.of(binaries.binary("kube-apiserver").toString(),
                "--etcd-servers", etcdUrl,
                "--bind-address", apiAddress, "--advertise-address", apiAddress, "--secure-port", "" + apiPort,
                "--cert-dir", pki.toString(),
                "--tls-cert-file", certificates.getAPIServerCertPath(),
                "--tls-private-key-file", certificates.getAPIServerKeyPath(),
                "--client-ca-file", certificates.getClientCertPath(),
                "--authorization-mode", "RBAC",
                "--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
                "--service-account-key-file", certificates.getAPIServerKeyPath(),
                "--service-account-signing-key-file", certificates.getAPIServerKeyPath(),
                "--service-cluster-ip-range", SERVICE_CIDR,
                "--allow-privileged"));
        if (onLoopback) {
            // As envtest: Pods need no ServiceAccount token, so a fresh namespace takes Pods at once.
            apiServer.addAll(List.of("--disable-admission-plugins", "ServiceAccount"));
            // The default reconciler refuses a loopback endpoint and logs that every few seconds.
            apiServer.addAll(List.of("--endpoint-reconciler-type", "none"));
        } else {
            // Pods that really run get their ServiceAccount token mounted, as in any cluster: the operator's Pod
            // talks to the API server with it.
            // exec, logs and port-forward: the kubelet authenticates the API server by this certificate.
            apiServer.addAll(List.of("--kubelet-client-certificate", certificates.getClientCertPath(),
                    "--kubelet-client-key", certificates.getClientKeyPath(),
                    // By address: a node's name would go to the machine's resolver, and resolve nowhere.
                    "--kubelet-preferred-address-types", "InternalIP"));
        }
        apiServer.addAll(extraApiServerFlags);
        launch("kube-apiserver", apiServer.toArray(String[]::new));

        String kubeconfigYaml = kubeconfigYaml(apiAddress, apiPort, certificates);
        kubeconfig = workDir.resolve("kubeconfig");
        write(kubeconfig, kubeconfigYaml);
        client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfigYaml)).build();
        awaitUntil("kube-apiserver /readyz", () -> "ok".equals(rawOrNull("/readyz")));
        awaitUntil("the default namespace", () -> client.namespaces().withName("default").get() != null);
    }

    private void startRestOfTheCluster(int fakeNodes) {
        String config = kubeconfig.toString();
        launch("kube-controller-manager", binaries.binary("kube-controller-manager").toString(),
                "--kubeconfig", config, "--authentication-kubeconfig", config, "--authorization-kubeconfig", config,
                "--bind-address", LOOPBACK, "--secure-port", "" + freePort(), "--leader-elect=false",
                "--use-service-account-credentials=false",
                // The CA in every namespace's kube-root-ca.crt, which a Pod's mounted token volume carries: the
                // kubeconfig names it by file, so the controller-manager would otherwise publish an empty one.
                "--root-ca-file", apiServerCertificate().toString(),
                // Fast feedback in tests: the namespace and GC controllers are the ones the tests wait on.
                "--concurrent-gc-syncs", "10", "--concurrent-namespace-syncs", "5");
        launch("kube-scheduler", binaries.binary("kube-scheduler").toString(),
                "--kubeconfig", config, "--authentication-kubeconfig", config, "--authorization-kubeconfig", config,
                "--bind-address", LOOPBACK, "--secure-port", "" + freePort(), "--leader-elect=false");
        launch("kwok", binaries.binary("kwok").toString(),
                "--kubeconfig", config, "--config", binaries.binary("kwok-stages.yaml").toString(),
                "--manage-all-nodes=false",
                "--manage-nodes-with-annotation-selector=" + KWOK_NODE_ANNOTATION + "=fake",
                "--node-ip", LOOPBACK, "--cidr", KWOK_POD_CIDR,
                // As a kubelet: renew a Lease in kube-node-lease every 10 s (its stage files update the Node status
                // only every 10-20 min). Without it the node controller marks the Nodes, then every Pod on them, not
                // ready after its grace period, and kwok never makes them ready again.
                "--node-lease-duration-seconds", "40");

        for (int i = 0; i < fakeNodes; i++) {
            client.nodes().resource(fakeNode(FAKE_NODE_PREFIX + i)).create();
        }
        awaitUntil(fakeNodes + " fake Nodes Ready", () -> client.nodes().list().getItems().stream()
                .filter(n -> n.getMetadata().getName().startsWith(FAKE_NODE_PREFIX))
                .filter(Readiness::isNodeReady).count() == fakeNodes);
        awaitUntil("the default ServiceAccount (controller-manager up)",
                () -> client.serviceAccounts().inNamespace("default").withName("default").get() != null);
    }

    private static Node fakeNode(String name) {
        return new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .addToAnnotations(KWOK_NODE_ANNOTATION, "fake")
                .addToLabels(Map.of("type", "kwok", "kubernetes.io/hostname", name, "kubernetes.io/os", "linux",
                        "kubernetes.io/arch", "amd64"))
                .endMetadata()
                .build();
    }

    private static String kubeconfigYaml(String apiAddress, int apiPort, CertManager certificates) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: embedded
                  cluster:
                    server: https://%s:%d
                    certificate-authority: %s
                users:
                - name: embedded-admin
                  user:
                    client-certificate: %s
                    client-key: %s
                contexts:
                - name: embedded
                  context:
                    cluster: embedded
                    user: embedded-admin
                    namespace: default
                current-context: embedded
                """.formatted(apiAddress, apiPort, certificates.getAPIServerCertPath(), certificates.getClientCertPath(),
                certificates.getClientKeyPath());
    }

    private void launch(String name, String... command) {
        ChildProcess process = ChildProcess.start(name, List.of(command), Map.of(), workDir.resolve("logs"));
        processes.add(process);
        LOG.debugf("started %s", process);
    }

    private void awaitUntil(String what, BooleanSupplier condition) {
        awaitUntil(what, START_TIMEOUT, processes, workDir.resolve("logs"), condition);
    }

    /** Polls every 200 ms; fails early with the log of a watched process that died, and after the timeout. */
    static void awaitUntil(String what, Duration timeout, List<ChildProcess> watched, Path logs,
                           BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            watched.forEach(ChildProcess::assertAlive);
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (KubernetesClientException e) {
                LOG.tracef("waiting for %s: %s", what, e.getMessage());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout + " waiting for " + what
                        + "; logs in " + logs);
            }
            sleep(Duration.ofMillis(200));
        }
    }

    private String rawOrNull(String path) {
        try {
            return client.raw(path);
        } catch (KubernetesClientException e) {
            return null;
        }
    }

    private static boolean etcdHealthy(String etcdUrl) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(etcdUrl + "/health")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && response.body().contains("\"health\":\"true\"");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for etcd", e);
        }
    }

    /** An unused loopback port. The kernel may hand it out again before the component binds it: rare, loud. */
    static int freePort() {
        return freePort(LOOPBACK);
    }

    /** An unused port on a local address. */
    static int freePort(String address) {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(address))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static void createDirectories(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path file, String content) {
        try {
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops every process (newest first: kwok and the controllers before the API server, etcd last). */
    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
        stopProcesses();
        LOG.infof("Control plane stopped (logs in %s)", workDir.resolve("logs"));
    }

    private synchronized void stopProcesses() {
        for (int i = processes.size() - 1; i >= 0; i--) {
            processes.get(i).close();
        }
        processes.clear();
    }
}
