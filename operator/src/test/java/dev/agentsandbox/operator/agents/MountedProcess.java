package dev.agentsandbox.operator.agents;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command with files at fixed absolute paths, as a container's volume mounts put them, without touching the
 * host: in a private mount namespace ({@code unshare -m}, root only) each host directory or file is bind-mounted
 * read-only at its path; a directory whose path does not exist gets it from a tmpfs-backed overlay of its parent.
 */
final class MountedProcess {

    /** Arguments: scratch dir, then target/source pairs, then {@code --} and the command. */
    private static final String MOUNT_SCRIPT = """
            set -eu
            scratch=$1; shift; n=0
            while [ "$1" != "--" ]; do
              target=$1; source=$2; shift 2
              if [ ! -e "$target" ]; then
                n=$((n + 1)); layer="$scratch/layer-$n"; mkdir -p "$layer"
                mount -t tmpfs tmpfs "$layer"; mkdir "$layer/upper" "$layer/work"
                parent=$(dirname "$target")
                mount -t overlay overlay -o "lowerdir=$parent,upperdir=$layer/upper,workdir=$layer/work" "$parent"
                mkdir "$target"
              fi
              mount --bind "$source" "$target"
              mount -o remount,bind,ro "$target"
            done
            shift
            exec "$@"
            """;

    static final int TIMED_OUT = -1;

    private MountedProcess() {
    }

    /** Whether this machine can run it: root, and util-linux's unshare. */
    static boolean supported() {
        return "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/unshare"));
    }

    /**
     * Runs {@code command} with exactly {@code environment}, {@code mounts} (path in the container to host path)
     * and stdin from /dev/null; output to {@code log}. Returns the exit code, or {@link #TIMED_OUT} after
     * stopping it when it runs longer than {@code timeout}.
     */
    static int run(List<String> command, Map<String, String> environment, Map<String, Path> mounts, Path workDir,
                   Path log, Duration timeout) throws IOException, InterruptedException {
        Process process = start(command, environment, mounts, workDir, log);
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor();
            Files.writeString(log, "\n(stopped: ran longer than " + timeout + ")\n",
                    java.nio.file.StandardOpenOption.APPEND);
            return TIMED_OUT;
        }
        return process.exitValue();
    }

    /** Starts it and returns at once. */
    private static Process start(List<String> command, Map<String, String> environment, Map<String, Path> mounts,
                                 Path workDir, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(wrap(command, mounts, workDir)).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().clear();
        builder.environment().putAll(environment);
        return builder.start();
    }

    /** {@code command} run in a private mount namespace with {@code mounts}; scratch space under {@code workDir}. */
    static List<String> wrap(List<String> command, Map<String, Path> mounts, Path workDir) throws IOException {
        Path scratch = Files.createTempDirectory(workDir, "mounts-");
        List<String> wrapped = new ArrayList<>(List.of("/usr/bin/unshare", "--mount", "--propagation", "private",
                "/bin/sh", "-c", MOUNT_SCRIPT, "mount", scratch.toString()));
        mounts.forEach((target, source) -> {
            wrapped.add(target);
            wrapped.add(source.toString());
        });
        wrapped.add("--");
        wrapped.addAll(command);
        return wrapped;
    }
}
