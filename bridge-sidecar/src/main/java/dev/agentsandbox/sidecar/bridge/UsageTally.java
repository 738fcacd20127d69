package dev.agentsandbox.sidecar.bridge;

/**
 * Collects the token counts of one response from the fields of its {@code usage} objects, whichever API shape.
 *
 * <p>Each field keeps its last value: a stream may report a field more than once, each time cumulatively (Anthropic
 * sends {@code input_tokens} in {@code message_start} and the final {@code output_tokens} in {@code message_delta}).
 */
final class UsageTally {

    private long prompt;
    private long completion;
    private long cacheRead;
    private long cacheCreation;
    private boolean seen;

    /** One numeric field of a {@code usage} object; unknown fields (e.g. {@code total_tokens}) are ignored. */
    void accept(String field, long value) {
        switch (field) {
            // OpenAI chat/completions/embeddings; OpenAI Responses and Anthropic
            case "prompt_tokens", "input_tokens" -> prompt = value;
            case "completion_tokens", "output_tokens" -> completion = value;
            // Anthropic counts cached prompt tokens apart from input_tokens (OpenAI includes them in prompt_tokens)
            case "cache_read_input_tokens" -> cacheRead = value;
            case "cache_creation_input_tokens" -> cacheCreation = value;
            default -> {
                return;
            }
        }
        seen = true;
    }

    /** Whether the response reported any usage field (a report of zero tokens is a report). */
    boolean reported() {
        return seen;
    }

    /** The usage reported so far, or {@link TokenUsage#NONE} when the response reported none. */
    TokenUsage usage() {
        return seen ? new TokenUsage(prompt + cacheRead + cacheCreation, completion) : TokenUsage.NONE;
    }
}
