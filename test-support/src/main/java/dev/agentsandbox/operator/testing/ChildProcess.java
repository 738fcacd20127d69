package dev.agentsandbox.operator.testing;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A process the tests started, with its output in a log file. Stopping it stops its whole process tree (a
 * wrapper's children would otherwise outlive the JVM and keep ports and etcd data busy). The output goes to a file
 * rather than a pipe: the JDK closes a child's pipe when it exits, and the lines written while shutting down would
 * be lost with it; a file also lets a test read what a dead process said.
 */
public final class ChildProcess implements AutoCloseable {

    private static final long GRACE_SECONDS = 5;

    private final String name;
    private final Process process;
    private final Path log;
    /** Where this process's output starts in {@link #log}: a log of the same name may hold an earlier run's. */
    private final long logStart;
    /** Stops the tree when the JVM exits without closing it (a killed test run, Ctrl+C). */
    private final Thread shutdownHook;
    /** How many of this process's lines {@link #awaitLine} has looked at. */
    private int linesSeen;

    private ChildProcess(String name, Process process, Path log, long logStart) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.logStart = logStart;
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
            long logStart = Files.exists(log) ? Files.size(log) : 0;
            return new ChildProcess(name, builder.start(), log, logStart);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + " (" + command.get(0) + ")", e);
        }
    }

    /** Starts {@code mainClass} with {@code args} in a JVM of its own, with this JVM's Java and classpath. */
    public static ChildProcess startJava(String name, Class<?> mainClass, List<String> args, Path logDir) {
        return startJava(name, List.of(), mainClass, args, logDir);
    }

    /** As {@link #startJava(String, Class, List, Path)}, with options for the child JVM (system properties, flags). */
    public static ChildProcess startJava(String name, List<String> jvmOptions, Class<?> mainClass, List<String> args,
            Path logDir) {
        List<String> command = new ArrayList<>();
        command.add(javaLauncher());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(args);
        return start(name, command, Map.of(), logDir);
    }

    /** The {@code java} of the running JVM. */
    public static String javaLauncher() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
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
     * Waits for the next output line (after the one this method returned last) that contains {@code text}: how a
     * test knows the process is ready, or has said what it was expected to say. Fails with the end of the log when
     * the process exits without writing it or {@code timeout} passes.
     */
    public String awaitLine(String text, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            // Whether it was alive before reading: a line written just before exiting is still found.
            boolean alive = process.isAlive();
            List<String> lines = completeLines();
            while (linesSeen < lines.size()) {
                String line = lines.get(linesSeen++);
                if (line.contains(text)) {
                    return line;
                }
            }
            if (!alive) {
                throw new IllegalStateException(name + " exited with code " + process.exitValue() + " without a line"
                        + " containing \"" + text + "\"; last lines of " + log + ":\n" + tailOfLog(30));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no line containing \"" + text + "\" from " + name + " within "
                        + timeout + "; last lines of " + log + ":\n" + tailOfLog(30));
            }
            sleep(Duration.ofMillis(20));
        }
    }

    /** Every line this process has written so far. */
    public List<String> lines() {
        return output().lines().toList();
    }

    /** The lines whose newline has been written (a line being written is not one yet). */
    private List<String> completeLines() {
        String text = output();
        int end = text.lastIndexOf('\n');
        return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n", -1));
    }

    /** What this process has written to its log (not what an earlier run of the same name wrote before it). */
    private String output() {
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            file.seek(Math.min(logStart, file.length()));
            byte[] bytes = new byte[(int) (file.length() - file.getFilePointer())];
            file.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + log, e);
        }
    }

    /** Waits for the process to end by itself: its exit code. Fails when it is still running after {@code timeout}. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(name + " still running after " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for " + name, e);
        }
        return process.exitValue();
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

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ", log " + log + ")";
    }
}
