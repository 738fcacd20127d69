package dev.agentsandbox.sidecar.egressinit;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Installs rules with {@code iptables-restore} / {@code ip6tables-restore}, fed on stdin: the tool replaces the whole
 * {@code filter} table in one transaction, so the pod never runs with half of the rules.
 */
final class IptablesRestore implements RuleInstaller {

    /** A restore of a dozen rules takes milliseconds; this only keeps a wedged tool from holding the pod forever. */
    private static final long TIMEOUT_SECONDS = 60;

    @Override
    public void install(IpFamily family, String rules) throws InstallFailedException {
        String command = family.restoreCommand();
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new InstallFailedException(command + " could not be started (" + e.getMessage() + "): the image"
                    + " must carry the iptables tools (nf_tables backend) on its PATH");
        }
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(process));
        try (OutputStream stdin = process.getOutputStream()) {
            stdin.write(rules.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // The tool exited before reading everything; its exit status and output below say why.
        }
        try {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new InstallFailedException(command + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
            int status = process.exitValue();
            if (status != 0) {
                throw new InstallFailedException(command + " exited with status " + status + ": "
                        + output.get().strip());
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InstallFailedException(command + " was interrupted");
        } catch (ExecutionException e) {
            throw new InstallFailedException(command + " failed and its output could not be read: " + e.getCause());
        }
    }

    private static String readAll(Process process) {
        try {
            return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
