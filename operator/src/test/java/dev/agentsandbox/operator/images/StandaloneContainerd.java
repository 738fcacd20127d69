package dev.agentsandbox.operator.images;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentsandbox.operator.testing.ChildProcess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A containerd of the test's own (its root, state and socket in a temporary directory; no CRI plugin), so that
 * images run under runc exactly as the node's containerd would run them, without touching any other containerd.
 */
final class StandaloneContainerd implements AutoCloseable {

    private static final String NAMESPACE = "k8s.io";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CGROUP_PARENT = "agentsandbox-images-it-" + ProcessHandle.current().pid();

    private final Path dir;
    private final ChildProcess daemon;

    private StandaloneContainerd(Path dir, ChildProcess daemon) {
        this.dir = dir;
        this.daemon = daemon;
    }

    static StandaloneContainerd start(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path config = dir.resolve("config.toml");
        Files.writeString(config, """
                version = 2
                root = "%1$s/root"
                state = "%1$s/state"
                disabled_plugins = ["io.containerd.grpc.v1.cri"]
                [grpc]
                  address = "%1$s/containerd.sock"
                [ttrpc]
                  address = "%1$s/containerd.sock.ttrpc"
                [debug]
                  address = ""
                [metrics]
                  address = ""
                """.formatted(dir));
        ChildProcess daemon = ChildProcess.start("containerd", List.of("containerd", "--config", config.toString()),
                Map.of(), dir);
        StandaloneContainerd containerd = new StandaloneContainerd(dir, daemon);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (Commands.exec(containerd.ctr(List.of("version")), 10).exitCode() != 0) {
            daemon.assertAlive();
            if (System.nanoTime() > deadline) {
                daemon.close();
                throw new AssertionError("containerd did not answer within 30 s:\n" + daemon.tailOfLog(30));
            }
            Thread.sleep(100);
        }
        return containerd;
    }

    Path address() {
        return dir.resolve("containerd.sock");
    }

    /**
     * What the kubelet would decide for a container: its process, user, root filesystem, capabilities, network and
     * mounts. Written as the OCI runtime spec ctr runs (ctr 1.6 has no --user; the kubelet sets the spec too).
     */
    static final class Spec {
        final OciArchive archive;
        final String image;
        final List<String> args;
        final List<String> env;
        long uid;
        long gid;
        boolean readOnlyRoot;
        /** null: the runtime's default set; otherwise exactly these (the pod's drop ALL + add). */
        List<String> capabilities;
        boolean hostNetwork;
        final Map<String, Path> readOnlyMounts = new LinkedHashMap<>();

        Spec(OciArchive image, String name, List<String> args) {
            this.archive = image;
            this.image = name;
            this.args = args;
            this.env = image.env();
            String[] user = image.user().isEmpty() ? new String[] {"0", "0"} : image.user().split(":");
            this.uid = Long.parseLong(user[0]);
            this.gid = Long.parseLong(user.length > 1 ? user[1] : user[0]);
        }

        Spec user(long uid) {
            this.uid = uid;
            this.gid = uid;
            return this;
        }

        Spec env(String variable) {
            env.add(variable);
            return this;
        }

        Spec readOnlyRoot() {
            this.readOnlyRoot = true;
            return this;
        }

        Spec capabilities(String... capabilities) {
            this.capabilities = List.of(capabilities);
            return this;
        }

        Spec hostNetwork() {
            this.hostNetwork = true;
            return this;
        }

        Spec mount(Path source, String destination) {
            readOnlyMounts.put(destination, source);
            return this;
        }
    }

    /** Runs the container to completion. */
    Commands.Result run(Spec spec) throws IOException, InterruptedException {
        return Commands.exec(runCommand(spec, containerId(spec.image)), 120);
    }

    /** A long-running container: its {@code ctr run} process (with the container's output in its log). */
    record Running(ChildProcess process, StandaloneContainerd containerd, String id) implements AutoCloseable {

        /** SIGKILL to the task (a server running as PID 1 ignores SIGTERM); ctr run --rm then removes it. */
        @Override
        public void close() {
            containerd.kill(id);
            process.close();
        }
    }

    Running start(Spec spec) throws IOException, InterruptedException {
        String id = containerId(spec.image);
        return new Running(ChildProcess.start(id, runCommand(spec, id), Map.of(), dir.resolve("logs")), this, id);
    }

    private void kill(String id) {
        try {
            Commands.exec(ctr(List.of("task", "kill", "--signal", "SIGKILL", id)), 30);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (Commands.exec(ctr(List.of("task", "ls", "-q")), 10).output().lines().anyMatch(id::equals)
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
        } catch (IOException | InterruptedException e) {
            // best effort: close() of the daemon kills what is left
        }
    }

    private List<String> runCommand(Spec spec, String id) throws IOException, InterruptedException {
        ObjectNode oci = (ObjectNode) JSON.readTree(Commands.run(ctr(List.of("oci", "spec"))));
        ObjectNode process = (ObjectNode) oci.path("process");
        process.set("args", JSON.valueToTree(spec.args));
        process.set("env", JSON.valueToTree(spec.env));
        process.putObject("user").put("uid", spec.uid).put("gid", spec.gid);
        if (spec.capabilities != null) {
            ObjectNode capabilities = process.putObject("capabilities");
            for (String set : List.of("bounding", "effective", "permitted")) {
                capabilities.set(set, JSON.valueToTree(spec.capabilities));
            }
        }
        // ctr takes a spec only with a root filesystem of its own: the image unpacked by umoci (not containerd's
        // snapshot of the imported image, which load-images.sh proves separately).
        ((ObjectNode) oci.path("root")).put("path", rootfs(spec).toString()).put("readonly", spec.readOnlyRoot);
        if (spec.hostNetwork) {
            ArrayNode namespaces = (ArrayNode) oci.path("linux").path("namespaces");
            for (int i = namespaces.size() - 1; i >= 0; i--) {
                if ("network".equals(namespaces.get(i).path("type").asText())) {
                    namespaces.remove(i);
                }
            }
        }
        ArrayNode mounts = (ArrayNode) oci.path("mounts");
        spec.readOnlyMounts.forEach((destination, source) -> mounts.addObject().put("destination", destination)
                .put("type", "bind").put("source", source.toString())
                .set("options", JSON.valueToTree(List.of("rbind", "ro"))));
        // A cgroup of its own under one parent the test removes (the default spec puts every container in one).
        ((ObjectNode) oci.path("linux")).put("cgroupsPath", "/" + CGROUP_PARENT + "/" + id);
        Path file = dir.resolve(id + ".json");
        JSON.writeValue(file.toFile(), oci);
        return ctr(List.of("run", "--rm", "--config", file.toString(), id));
    }

    private synchronized Path rootfs(Spec spec) throws IOException, InterruptedException {
        Path bundle = dir.resolve("bundles").resolve(spec.image);
        if (!Files.isDirectory(bundle.resolve("rootfs"))) {
            Files.createDirectories(bundle.getParent());
            Commands.run(List.of("umoci", "unpack", "--image", spec.archive.layout + ":" + spec.archive.refName,
                    bundle.toString()));
        }
        return bundle.resolve("rootfs");
    }

    private List<String> ctr(List<String> args) {
        List<String> command = new ArrayList<>(List.of("ctr", "--address", address().toString(), "--namespace", NAMESPACE));
        command.addAll(args);
        return command;
    }

    private static String containerId(String image) {
        return image + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Override
    public void close() {
        try {
            Commands.exec(ctr(List.of("task", "ls", "-q")), 10).output().lines().filter(id -> !id.isBlank())
                    .forEach(this::kill);
        } catch (IOException | InterruptedException e) {
            // the daemon is stopped anyway; a task left would show in the next run's cgroup cleanup
        }
        daemon.close();
        // What the daemon leaves: the mounts of the imported images' snapshots, and the containers' cgroups.
        try {
            Commands.exec(List.of("sh", "-c", "grep -o ' " + dir + "/[^ ]*' /proc/self/mounts | sort -r | "
                    + "xargs -r -n1 umount -l"), 30);
            Commands.exec(List.of("sh", "-c", "find /sys/fs/cgroup -depth -type d -path '*/" + CGROUP_PARENT
                    + "*' -exec rmdir {} + 2>/dev/null"), 30);
        } catch (IOException | InterruptedException e) {
            // best effort: JUnit's removal of the temporary directory reports what stayed
        }
    }
}
