package dev.agentsandbox.sidecar;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A sidecar role as it runs in the pod: its own JVM started through {@link Main} with the test's classpath, stopped
 * with SIGTERM. Its output (JSON log lines and errors) goes to a file rather than a pipe: the JDK closes a child's
 * pipe when it exits, and the lines written while shutting down would be lost with it.
 */
public final class SidecarProcess implements AutoCloseable {

    private static final Duration HANG_GUARD = Duration.ofSeconds(60);

    private final Process process;
    private final Path output;
    private int linesSeen;

    private SidecarProcess(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    /** Starts {@code Main} with {@code args} (the role first). */
    public static SidecarProcess start(String... args) throws IOException {
        return startWithJvmOptions(List.of(), args);
    }

    /** Starts {@code Main} with {@code args} (the role first) in a JVM given {@code jvmOptions} too. */
    public static SidecarProcess startWithJvmOptions(List<String> jvmOptions, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        Path output = Files.createTempFile("sidecar-", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                .start();
        return new SidecarProcess(process, output);
    }

    /** Waits for the next output line containing {@code text}; fails when none comes within the hang guard. */
    public String awaitLine(String text) throws InterruptedException {
        long deadline = System.nanoTime() + HANG_GUARD.toNanos();
        while (System.nanoTime() < deadline) {
            List<String> lines = completeLines();
            while (linesSeen < lines.size()) {
                String line = lines.get(linesSeen++);
                if (line.contains(text)) {
                    return line;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no output line containing " + text + "; output so far: " + lines());
    }

    /** Sends SIGTERM; true when the process stopped within the hang guard. */
    public boolean stop() throws InterruptedException {
        process.destroy();
        return process.waitFor(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);
    }

    /** Waits for the process to end by itself; its exit code. */
    public int exitCode() throws InterruptedException {
        if (!process.waitFor(HANG_GUARD.toSeconds(), TimeUnit.SECONDS)) {
            throw new AssertionError("the process did not end");
        }
        return process.exitValue();
    }

    /** Every output line so far. */
    public List<String> lines() {
        try {
            return Files.readAllLines(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The lines whose newline has been written (a line being written is not one yet). */
    private List<String> completeLines() {
        try {
            String text = Files.readString(output, StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n');
            return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n", -1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException, IOException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);
        }
        Files.deleteIfExists(output);
    }
}
