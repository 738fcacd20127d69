package dev.agentsandbox.operator.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The operator exactly as it ships: the packaged Quarkus application ({@code target/quarkus-app/quarkus-run.jar},
 * prod profile, server-side apply, leader election) in its own JVM, pointed at the embedded control plane by
 * {@code KUBECONFIG}. Its own process, so that a test can crash it mid-reconcile and start another.
 */
public final class OperatorProcess implements AutoCloseable {

    /** System property with the application jar; Maven's failsafe sets it. */
    public static final String JAR_PROPERTY = "operator.jar";
    /** Namespace of the operator's Lease (leader election) and of its own pods. */
    public static final String OPERATOR_NAMESPACE = "agentsandbox-system";

    private static final String STARTED_MARKER = " started in ";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final ChildProcess process;

    private OperatorProcess(ChildProcess process) {
        this.process = process;
    }

    /** The JVM options of a test's operator (a heap bound, the image's C1-only compiler). */
    public static final List<String> JVM_OPTIONS = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1");

    /**
     * Starts the operator and waits until Quarkus reports it started. {@code name} names the log file
     * ({@code <work dir>/logs/<name>.log}); extra {@code -D} settings go to the JVM.
     */
    public static OperatorProcess start(EmbeddedControlPlane plane, String name, Map<String, String> settings) {
        return start(plane, name, JVM_OPTIONS, settings);
    }

    /** As {@link #start(EmbeddedControlPlane, String, Map)}, with these JVM options (a benchmark: the image's). */
    public static OperatorProcess start(EmbeddedControlPlane plane, String name, List<String> jvmOptions,
                                        Map<String, String> settings) {
        return start(plane, name, jar(), jvmOptions, Map.of(), settings);
    }

    /**
     * As {@link #start(EmbeddedControlPlane, String, List, Map)}, of another build of the operator (a benchmark's
     * "before") and with more environment variables (the image's, such as the C library's arena bound).
     */
    public static OperatorProcess start(EmbeddedControlPlane plane, String name, Path jar, List<String> jvmOptions,
                                        Map<String, String> environment, Map<String, String> settings) {
        List<String> command = new ArrayList<>();
        command.add(ChildProcess.javaLauncher());
        command.addAll(jvmOptions);
        // Loopback only, on a free port: several operators (and other engineers' builds) run side by side.
        command.addAll(List.of("-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + EmbeddedControlPlane.freePort()));
        settings.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-jar", jar.toString()));
        Map<String, String> env = new HashMap<>(environment);
        env.put("KUBECONFIG", plane.kubeconfig().toString());
        env.put("POD_NAMESPACE", OPERATOR_NAMESPACE);
        ChildProcess child = ChildProcess.start(name, command, env, plane.workDir().resolve("logs"));
        OperatorProcess operator = new OperatorProcess(child);
        try {
            operator.awaitStarted();
        } catch (RuntimeException e) {
            operator.close();
            throw e;
        }
        return operator;
    }

    /**
     * The packaged operator this process runs (system property {@value #JAR_PROPERTY}); fails naming the build
     * command when it is absent.
     */
    public static Path jar() {
        Path jar = Paths.get(System.getProperty(JAR_PROPERTY, "target/quarkus-app/quarkus-run.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the operator application " + jar + " does not exist: build it with"
                    + " ./mvnw -pl operator -am package (failsafe runs after package and sets -D" + JAR_PROPERTY + ")");
        }
        return jar;
    }

    private void awaitStarted() {
        process.awaitLine(STARTED_MARKER, START_TIMEOUT);
    }

    /** The operator's log so far. */
    public String log() {
        try {
            return Files.readString(process.log());
        } catch (IOException e) {
            return "";
        }
    }

    public Path logFile() {
        return process.log();
    }

    /** The operator JVM's process id (its RSS and CPU time are in {@code /proc/<pid>}). */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM, as Kubernetes stops a pod: whether the operator exited within {@code grace} (it is not killed). */
    public boolean terminate(Duration grace) {
        return process.terminate(grace);
    }

    /** The exit code; only once the operator has exited. */
    public int exitValue() {
        return process.exitValue();
    }

    /** SIGKILL: the operator dies mid-work, without releasing its Lease or finishing a reconcile. */
    public void crash() {
        process.kill();
    }

    @Override
    public void close() {
        process.close();
    }
}
