package dev.agentsandbox.sidecar.bridge;

import java.util.Optional;

/**
 * The sandbox's token budget. The bridge cannot know a response's size before it ends, so concurrent requests are
 * held in check on admission ({@link UsageMeter#admit}): each running request reserves an estimate of what it may
 * spend ({@link #estimate}), a request is admitted only while the tokens counted plus the reservations of the
 * running ones plus its own stay within the budget (or, when nothing else runs, while any budget remains), and at
 * most {@link #MAX_CONCURRENT} requests run at once. The overshoot is therefore at most one request beyond its
 * reservation when requests stay within theirs, and never more than {@link #MAX_CONCURRENT} requests' tokens.
 *
 * @param limit prompt plus completion tokens allowed, or null for no budget
 */
public record TokenBudget(Long limit) {

    public static final TokenBudget UNLIMITED = new TokenBudget(null);
    /** Requests that may run at once under a budget. */
    public static final int MAX_CONCURRENT = 8;
    /** The completion reserved for a request that sets no token limit of its own. */
    public static final long DEFAULT_COMPLETION_RESERVATION = 4096;
    /** Prompt tokens are estimated from the body's size: about one token per this many bytes of JSON. */
    static final int BYTES_PER_PROMPT_TOKEN = 4;
    /** Completion tokens of an answer that reported none are estimated from its text: one per this many characters. */
    static final int CHARS_PER_COMPLETION_TOKEN = 4;

    public TokenBudget {
        if (limit != null && limit <= 0) {
            throw new IllegalArgumentException("token budget must be greater than 0 (omit it for no budget)");
        }
    }

    /** What a request may spend: its prompt estimated from the body's size, plus its own completion limit. */
    public static long estimate(int bodyBytes, long maxTokens) {
        long completion = maxTokens >= 0 ? maxTokens : DEFAULT_COMPLETION_RESERVATION;
        return promptEstimate(bodyBytes) + completion;
    }

    /**
     * What an answer that reported no usage is charged: the prompt estimated from the request body's size as on
     * admission, plus one completion token per {@value #CHARS_PER_COMPLETION_TOKEN} characters of generated text,
     * rounded up (the common rule of thumb for English text and code with BPE tokenizers). Only an estimate: it
     * keeps a runner that omits usage from making answers free, it does not bill them exactly.
     */
    public static TokenUsage estimateUnreported(int requestBytes, long generatedChars) {
        return new TokenUsage(promptEstimate(requestBytes),
                (generatedChars + CHARS_PER_COMPLETION_TOKEN - 1) / CHARS_PER_COMPLETION_TOKEN);
    }

    private static long promptEstimate(int bodyBytes) {
        return bodyBytes / BYTES_PER_PROMPT_TOKEN;
    }

    /**
     * The refusal for a new request that reserves {@code estimate} tokens, or empty when it may go.
     *
     * @param used     tokens counted so far
     * @param reserved the reservations of the requests running now
     * @param running  how many requests run now
     */
    public Optional<BridgeError> admit(long used, long reserved, int running, long estimate) {
        if (limit == null) {
            return Optional.empty();
        }
        if (used >= limit) {
            return Optional.of(BridgeError.budgetSpent(limit, used));
        }
        if (running >= MAX_CONCURRENT) {
            return Optional.of(BridgeError.tooManyConcurrent(MAX_CONCURRENT));
        }
        if (running > 0 && used + reserved + estimate > limit) {
            return Optional.of(BridgeError.budgetReserved(limit, used, reserved, estimate));
        }
        return Optional.empty();
    }

    /** The refusal for a new request when {@code used} tokens are spent, or empty when it may go. */
    public Optional<BridgeError> check(long used) {
        if (limit != null && used >= limit) {
            return Optional.of(BridgeError.budgetSpent(limit, used));
        }
        return Optional.empty();
    }
}
