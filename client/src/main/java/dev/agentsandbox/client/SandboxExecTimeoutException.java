package dev.agentsandbox.client;

/**
 * A command did not finish within its timeout. Kubernetes' exec has no way to stop the process: it may still run in
 * the sandbox until the sandbox is closed (the per-tool-call pattern: one sandbox per call, closed after it).
 */
public class SandboxExecTimeoutException extends SandboxException {

    public SandboxExecTimeoutException(String message) {
        super(message);
    }
}
