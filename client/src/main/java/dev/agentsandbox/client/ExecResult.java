package dev.agentsandbox.client;

/**
 * What a command run in a sandbox left: its exit code and its output, decoded as UTF-8.
 *
 * @param exitCode the process's exit status (0: success)
 */
public record ExecResult(int exitCode, String stdout, String stderr) {

    public boolean succeeded() {
        return exitCode == 0;
    }
}
