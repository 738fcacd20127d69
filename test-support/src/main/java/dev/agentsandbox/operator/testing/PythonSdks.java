package dev.agentsandbox.operator.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The official Python SDKs of OpenAI and Anthropic at the versions {@code hack/install-python-sdks.sh} pins, in the
 * cached virtual environment it keeps (installed on first use; later calls find it and return at once).
 */
public final class PythonSdks {

    private static final String DIR_LINE = "PYTHON_SDKS_DIR=";

    private PythonSdks() {
    }

    /** The interpreter that imports both SDKs; {@code repositoryRoot} holds {@code hack/}. */
    public static Path interpreter(Path repositoryRoot) throws IOException, InterruptedException {
        Path installer = repositoryRoot.resolve("hack/install-python-sdks.sh");
        Process install = new ProcessBuilder(installer.toString()).redirectErrorStream(true).start();
        String output = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!install.waitFor(600, TimeUnit.SECONDS) || install.exitValue() != 0) {
            install.destroyForcibly();
            throw new IllegalStateException(installer + " failed:\n" + output);
        }
        String directory = output.lines().filter(line -> line.startsWith(DIR_LINE)).reduce((a, b) -> b)
                .orElseThrow(() -> new IllegalStateException("no " + DIR_LINE + " line from " + installer + ":\n"
                        + output))
                .substring(DIR_LINE.length());
        return Path.of(directory, "bin", "python");
    }
}
