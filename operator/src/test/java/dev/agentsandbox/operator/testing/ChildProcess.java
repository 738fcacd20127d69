package dev.agentsandbox.operator.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A process the tests started, with its output in a log file. Stopping it stops its whole process tree (a
 * wrapper's children would otherwise outlive the JVM and keep ports and etcd data busy).
 */
public final class ChildProcess implements AutoCloseable {

    private static final long GRACE_SECONDS = 5;

    private final String name;
    private final Process process;
    private final Path log;
    /** Stops the tree when the JVM exits without closing it (a killed test run, Ctrl+C). */
    private final Thread shutdownHook;

    private ChildProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.shutdownHook = new Thread(this::stopTree, "stop-" + name);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts {@code command} with stdout and stderr appended to {@code <logDir>/<name>.log}. */
    public static ChildProcess start(String name, List<String> command, Map<String, String> environment,
                                     Path logDir) {
        Path log = logDir.resolve(name + ".log");
        try {
            Files.createDirectories(logDir);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(environment);
            return new ChildProcess(name, builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + " (" + command.get(0) + ")", e);
        }
    }

    public String name() {
        return name;
    }

    public Path log() {
        return log;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** Fails with the tail of the log when the process has exited: a dead component explains a hung wait. */
    public void assertAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with code " + process.exitValue() + "; last lines of "
                    + log + ":\n" + tailOfLog(30));
        }
    }

    public String tailOfLog(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /**
     * SIGTERM to the tree and nothing more, as the kubelet stops a container before its grace period ends: whether
     * every process exited within {@code grace}. Those that did not keep running (see {@link #close()}).
     */
    public boolean terminate(Duration grace) {
        List<ProcessHandle> tree = tree();
        tree.forEach(ProcessHandle::destroy);
        return awaitExit(tree, grace.toSeconds());
    }

    /** The exit code; only once the process has exited. */
    public int exitValue() {
        return process.exitValue();
    }

    /** Crashes the process tree at once (SIGKILL), as a node failure or an OOM kill would. */
    public void kill() {
        List<ProcessHandle> tree = tree();
        tree.forEach(ProcessHandle::destroyForcibly);
        awaitExit(tree, GRACE_SECONDS);
        removeShutdownHook();
    }

    /** SIGTERM to the tree, SIGKILL to what is still alive after a grace period; returns when all have exited. */
    @Override
    public void close() {
        stopTree();
        removeShutdownHook();
    }

    private void removeShutdownHook() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook is running or about to: it stops the tree itself.
        }
    }

    private void stopTree() {
        List<ProcessHandle> tree = tree();
        tree.forEach(ProcessHandle::destroy);
        if (!awaitExit(tree, GRACE_SECONDS)) {
            tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
            awaitExit(tree, GRACE_SECONDS);
        }
    }

    /** The process and its descendants, children first, captured before any is signalled (orphans re-parent). */
    private List<ProcessHandle> tree() {
        return Stream.concat(process.descendants(), Stream.of(process.toHandle())).toList();
    }

    private static boolean awaitExit(List<ProcessHandle> handles, long seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (ProcessHandle handle : handles) {
            long left = deadline - System.nanoTime();
            try {
                if (left <= 0) {
                    return handles.stream().noneMatch(ProcessHandle::isAlive);
                }
                handle.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                return false;
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ", log " + log + ")";
    }
}
