package dev.agentsandbox.operator.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the node's parts are: {@code <kube-api-test dir>/node/<version>-linux-amd64/}, filled by
 * {@code hack/provision-node.sh} (runc and the CNI plugins come from Debian packages instead).
 */
public record NodeBinaries(Path directory) {

    private static final List<String> PROGRAMS = List.of("kubelet", "kube-proxy", "containerd", "ctr",
            "containerd-shim-runc-v2", "runsc", "containerd-shim-runsc-v1", "coredns", "kube-router");
    private static final List<String> IMAGES = List.of("pause", "busybox");

    /** The node's directory; fails in one line naming what is missing and the command that builds it. */
    public static NodeBinaries locate() {
        Path directory = ControlPlaneBinaries.rootDirectory().resolve("node")
                .resolve(ControlPlaneBinaries.KUBERNETES_VERSION + "-linux-amd64");
        NodeBinaries binaries = new NodeBinaries(directory);
        List<String> missing = PROGRAMS.stream().filter(p -> !Files.isExecutable(directory.resolve(p))).toList();
        List<String> missingImages = IMAGES.stream().filter(i -> !Files.isRegularFile(binaries.image(i))).toList();
        if (!missing.isEmpty() || !missingImages.isEmpty()) {
            throw new IllegalStateException("node parts missing in " + directory + " (" + missing + " images "
                    + missingImages + "): run hack/provision-node.sh");
        }
        return binaries;
    }

    public Path binary(String name) {
        return directory.resolve(name);
    }

    /** An OCI archive of hack/provision-node.sh, imported as {@code localhost/<name>:latest}. */
    public Path image(String name) {
        return directory.resolve("images").resolve(name + ".tar");
    }
}
