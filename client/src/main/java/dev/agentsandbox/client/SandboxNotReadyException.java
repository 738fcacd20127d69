package dev.agentsandbox.client;

/**
 * The sandbox did not become Ready: it failed (an input the operator checks, such as a missing Secret or RuntimeClass),
 * was deleted or paused, or the wait timed out. {@link #reason()} and {@link #getMessage()} are those of its
 * {@code Ready} condition, as {@code kubectl describe} shows them.
 */
public class SandboxNotReadyException extends SandboxException {

    private final String phase;
    private final String reason;

    public SandboxNotReadyException(String message, String phase, String reason) {
        super(message);
        this.phase = phase;
        this.reason = reason;
    }

    /** {@code status.phase} when the wait ended (Pending, Starting, Failed…), or null: none yet, or deleted. */
    public String phase() {
        return phase;
    }

    /** The reason of the {@code Ready} condition (e.g. {@code SecretNotFound}, {@code PodNotReady}), or null. */
    public String reason() {
        return reason;
    }
}
