package dev.agentsandbox.operator.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Real processes: what the control plane relies on to leave nothing behind and to explain a dead component. */
class ChildProcessTest {

    /** A hang guard only: these processes react in milliseconds. */
    private static final Duration GUARD = Duration.ofSeconds(30);

    @TempDir
    Path logs;

    @Test
    void closeStopsTheWholeTreeIncludingGrandchildren() throws Exception {
        Path pidFile = logs.resolve("grandchild.pid");
        ChildProcess parent = ChildProcess.start("wrapper",
                List.of("bash", "-c", "sleep 300 & echo $! > " + pidFile + "; wait"), Map.of(), logs);
        await().atMost(GUARD).until(() -> Files.exists(pidFile) && !Files.readString(pidFile).isBlank());
        ProcessHandle grandchild = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim())).orElseThrow();
        assertThat(grandchild.isAlive()).isTrue();

        parent.close();

        assertThat(parent.isAlive()).isFalse();
        assertThat(grandchild.isAlive()).as("the grandchild (pid %d)", grandchild.pid()).isFalse();
    }

    @Test
    void aDeadComponentIsReportedWithItsExitCodeAndTheEndOfItsLog() {
        ChildProcess failing = ChildProcess.start("failing",
                List.of("bash", "-c", "echo starting; echo 'bind: address already in use'; exit 3"), Map.of(), logs);
        await().atMost(GUARD).until(() -> !failing.isAlive());

        assertThatThrownBy(failing::assertAlive)
                .hasMessageContaining("failing exited with code 3")
                .hasMessageContaining("bind: address already in use");
        failing.close();
    }

    @Test
    void theEnvironmentIsPassedAndOutputGoesToTheLogFile() throws Exception {
        try (ChildProcess child = ChildProcess.start("env", List.of("bash", "-c", "echo \"kubeconfig=$KUBECONFIG\""),
                Map.of("KUBECONFIG", "/tmp/some-kubeconfig"), logs)) {
            await().atMost(GUARD).until(() -> !child.isAlive());
            assertThat(Files.readString(logs.resolve("env.log"))).contains("kubeconfig=/tmp/some-kubeconfig");
        }
    }

    @Test
    void awaitLineReturnsEachMatchingLineOnceInOrder() {
        try (ChildProcess child = ChildProcess.start("lines",
                List.of("bash", "-c", "echo 'ready 1'; echo other; echo 'ready 2'; sleep 300"), Map.of(), logs)) {
            assertThat(child.awaitLine("ready", GUARD)).isEqualTo("ready 1");
            assertThat(child.awaitLine("ready", GUARD)).isEqualTo("ready 2");
            assertThat(child.lines()).containsExactly("ready 1", "other", "ready 2");
        }
    }

    @Test
    void awaitLineFailsAtOnceWhenTheProcessExitsWithoutTheLine() {
        try (ChildProcess child = ChildProcess.start("quitter",
                List.of("bash", "-c", "echo 'config: unknown field'; exit 2"), Map.of(), logs)) {
            long started = System.nanoTime();

            assertThatThrownBy(() -> child.awaitLine("started", GUARD))
                    .hasMessageContaining("quitter exited with code 2")
                    .hasMessageContaining("config: unknown field");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(GUARD);
            assertThat(child.awaitExit(GUARD)).isEqualTo(2);
        }
    }

    @Test
    void anEarlierRunOfTheSameNameIsNotTakenForThisOne() throws Exception {
        try (ChildProcess first = ChildProcess.start("operator", List.of("bash", "-c", "echo 'started in 1s'"),
                Map.of(), logs)) {
            first.awaitExit(GUARD);
        }
        try (ChildProcess second = ChildProcess.start("operator", List.of("bash", "-c", "echo starting; sleep 300"),
                Map.of(), logs)) {
            assertThatThrownBy(() -> second.awaitLine("started in", Duration.ofSeconds(2)))
                    .hasMessageContaining("no line containing \"started in\" from operator");
            assertThat(second.lines()).containsExactly("starting");
            assertThat(Files.readString(second.log())).contains("started in 1s");
        }
    }

    @Test
    void aJavaMainRunsInAJvmOfItsOwnWithThisClasspath() {
        try (ChildProcess java = ChildProcess.startJava("java", Echo.class, List.of("hello", "world"), logs)) {
            assertThat(java.awaitExit(GUARD)).isZero();
            assertThat(java.lines()).containsExactly("hello world");
        }
    }

    /** A main on the test classpath only: the child JVM can run it only with this JVM's classpath. */
    public static final class Echo {
        public static void main(String[] args) {
            System.out.println(String.join(" ", args));
        }
    }
}
