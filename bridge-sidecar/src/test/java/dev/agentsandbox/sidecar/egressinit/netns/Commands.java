package dev.agentsandbox.sidecar.egressinit.netns;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Runs the host tools the namespace tests drive (ip, iptables, setpriv, java), each bounded by a hang guard. */
public final class Commands {

    /** sbin directories hold ip and iptables but are not on every user's PATH. */
    static final String PATH = System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin";

    /** A finished command: its exit status, stdout and stderr. */
    public record Result(List<String> command, int exitStatus, String stdout, String stderr) {
        public Result requireSuccess() {
            if (exitStatus != 0) {
                throw new IllegalStateException(this.toString());
            }
            return this;
        }

        @Override
        public String toString() {
            return String.join(" ", command) + " exited with " + exitStatus + "\nstdout: " + stdout
                    + "\nstderr: " + stderr;
        }
    }

    private Commands() {
    }

    /** The tool's absolute path, if it is installed (looked up on PATH and in the sbin directories). */
    public static Optional<Path> find(String tool) {
        return Stream.of(PATH.split(":"))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, tool))
                .filter(Files::isExecutable)
                .findFirst();
    }

    public static Result run(Duration hangGuard, List<String> command) {
        Process process = start(command);
        CompletableFuture<String> stdout = readAsync(process, false);
        CompletableFuture<String> stderr = readAsync(process, true);
        try {
            if (!process.waitFor(hangGuard.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " still running after " + hangGuard);
            }
            return new Result(command, process.exitValue(), stdout.join(), stderr.join());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    public static Result run(Duration hangGuard, String... command) {
        return run(hangGuard, List.of(command));
    }

    /** Starts a long-running command with stdin closed and stdout and stderr appended to {@code log}. */
    public static Process start(List<String> command, Path log) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return start(builder);
    }

    private static Process start(List<String> command) {
        return start(new ProcessBuilder(command));
    }

    private static Process start(ProcessBuilder builder) {
        builder.environment().put("PATH", PATH);
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + builder.command(), e);
        }
    }

    private static CompletableFuture<String> readAsync(Process process, boolean stderr) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                byte[] bytes = (stderr ? process.getErrorStream() : process.getInputStream()).readAllBytes();
                return new String(bytes, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
