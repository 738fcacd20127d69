package dev.agentsandbox.operator.agents;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.operator.testing.ChildProcess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A role of the sidecar jar ({@code bridge-sidecar/target/agentsandbox-sidecar.jar}, built before the operator
 * module) as its own JVM, with the configuration file the operator rendered. Ready once it logs {@code started}.
 */
final class SidecarJarProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ChildProcess process;
    private final String listen;

    private SidecarJarProcess(ChildProcess process, String listen) {
        this.process = process;
        this.listen = listen;
    }

    static Path jar() {
        Path jar = Path.of(System.getProperty("sidecar.jar",
                System.getProperty("project.root", ".") + "/bridge-sidecar/target/agentsandbox-sidecar.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build the sidecar first"
                    + " (./mvnw -pl bridge-sidecar -am package -DskipTests; ./mvnw verify builds it before the operator)");
        }
        return jar;
    }

    /** Starts {@code role} with {@code args}; {@code mounts} as for {@link MountedProcess}. */
    static SidecarJarProcess start(String role, List<String> args, Map<String, Path> mounts, Path workDir)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar().toString(), role));
        command.addAll(args);
        ChildProcess process = ChildProcess.start(role, MountedProcess.wrap(command, mounts, workDir), Map.of(),
                workDir);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            for (String line : Files.readAllLines(process.log())) {
                if (line.contains("\"event\":\"started\"")) {
                    return new SidecarJarProcess(process, JSON.readTree(line).path("listen").asText());
                }
            }
            process.assertAlive();
            Thread.sleep(100);
        }
        process.close();
        throw new AssertionError(role + " did not start; its output:\n" + Files.readString(process.log()));
    }

    /** {@code http://host:port} of its listener. */
    String url() {
        return "http://" + listen;
    }

    String output() throws IOException {
        return Files.readString(process.log());
    }

    @Override
    public void close() {
        process.close();
    }
}
