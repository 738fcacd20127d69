package dev.agentsandbox.operator.testing;

import io.fabric8.kubeapitest.KubeAPIServerConfig;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubeapitest.Utils;
import io.fabric8.kubeapitest.binary.BinaryManager;
import io.fabric8.kubeapitest.binary.OSInfo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/**
 * Where the control plane's programs are: kube-api-test's layout {@code <dir>/k8s/<version>-linux-amd64/}, filled
 * by {@code hack/provision-control-plane.sh}. When etcd, kube-apiserver or kubectl are missing, kube-api-test
 * downloads them (needs the internet); the controller-manager, scheduler and kwok only come from the script.
 *
 * @param directory the version directory
 * @param complete whether kube-controller-manager, kube-scheduler and kwok (with its stages) are there too
 */
public record ControlPlaneBinaries(Path directory, boolean complete) {

    /** The Kubernetes release that hack/control-plane/kubernetes/go.mod pins. */
    public static final String KUBERNETES_VERSION = "1.34.4";

    /** System property with the root directory; the environment variable of the provision script otherwise. */
    public static final String DIR_PROPERTY = "kube-api-test.dir";

    private static final List<String> API_SERVER_TIER = List.of("etcd", "kube-apiserver", "kubectl");
    private static final List<String> REST_OF_THE_CLUSTER = List.of("kube-controller-manager", "kube-scheduler",
            "kwok", "kwok-stages.yaml");

    public static ControlPlaneBinaries locate() {
        Path root = rootDirectory();
        Path versionDirectory = root.resolve("k8s").resolve(KUBERNETES_VERSION + Utils.platformSuffix(new OSInfo()));
        boolean offline = API_SERVER_TIER.stream().allMatch(b -> Files.isExecutable(versionDirectory.resolve(b)));
        KubeAPIServerConfig config = new KubeAPIServerConfigBuilder()
                .withOfflineMode(offline)
                .withTestDir(root.toString())
                .withApiServerVersion(KUBERNETES_VERSION)
                .build();
        // Finds the binaries, or downloads them when offline mode is off; fails naming the directory otherwise.
        BinaryManager binaries = new BinaryManager(config);
        try {
            binaries.initAndDownloadIfRequired();
        } catch (RuntimeException e) {
            throw new IllegalStateException("no control plane in " + versionDirectory + " and kube-api-test could"
                    + " not download etcd, kube-apiserver and kubectl (" + e.getMessage() + "): run"
                    + " hack/provision-control-plane.sh (needs Go >= 1.24), or allow access to the internet", e);
        }
        Path directory = binaries.binaries().getApiServer().toPath().getParent();
        boolean complete = REST_OF_THE_CLUSTER.stream().allMatch(b -> Files.exists(directory.resolve(b)));
        return new ControlPlaneBinaries(directory, complete);
    }

    static Path rootDirectory() {
        String configured = System.getProperty(DIR_PROPERTY, System.getenv("KUBE_API_TEST_DIR"));
        if (configured != null && !configured.isBlank()) {
            return Paths.get(configured);
        }
        return Paths.get(System.getProperty("user.home"), ".kubeapitest");
    }

    public Path binary(String name) {
        return directory.resolve(name);
    }

    /** Why the controller-manager, scheduler and kwok are missing, and how to get them. */
    public String whyIncomplete() {
        return "kube-controller-manager, kube-scheduler or kwok is missing in " + directory
                + ": run hack/provision-control-plane.sh (needs Go >= 1.24) to build them";
    }
}
