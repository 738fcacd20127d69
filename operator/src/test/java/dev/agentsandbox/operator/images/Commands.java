package dev.agentsandbox.operator.images;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion (with a hang guard) and returns its output; a non-zero exit fails with it. */
final class Commands {

    record Result(int exitCode, String output) {
    }

    private Commands() {
    }

    static String run(List<String> command) throws IOException, InterruptedException {
        Result result = exec(command, 180);
        if (result.exitCode() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited with " + result.exitCode() + ":\n"
                    + result.output());
        }
        return result.output();
    }

    static Result exec(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        // Output to a file, not a pipe: a pipe nobody reads blocks the process, and reading it blocks the timeout.
        Path output = Files.createTempFile("command", ".log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds
                        + " s:\n" + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    static boolean available(String tool) {
        try {
            return exec(List.of("sh", "-c", "command -v " + tool), 10).exitCode() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
