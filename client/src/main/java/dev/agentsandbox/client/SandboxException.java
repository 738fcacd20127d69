package dev.agentsandbox.client;

/**
 * Something about one AgentSandbox failed: the message names the sandbox ({@code namespace/name}) and what failed.
 * It carries the API server's and the operator's words, never a value of a Secret (the operator writes none into a
 * status or an Event, and this library reads no Secret).
 */
public class SandboxException extends RuntimeException {

    public SandboxException(String message) {
        super(message);
    }

    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
