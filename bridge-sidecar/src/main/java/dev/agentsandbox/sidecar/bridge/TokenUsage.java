package dev.agentsandbox.sidecar.bridge;

/** Tokens one response reports: what the prompt cost and what the model generated. */
public record TokenUsage(long promptTokens, long completionTokens) {

    public static final TokenUsage NONE = new TokenUsage(0, 0);

    public long total() {
        return promptTokens + completionTokens;
    }
}
