package dev.agentsandbox.sidecar.bridge;

import java.util.Optional;

/**
 * The sandbox's token budget: once the prompt and completion tokens counted so far reach it, every further
 * inference request is refused. Requests already running finish (a budget can be overshot by their tokens: the
 * bridge cannot know a response's size before it ends).
 *
 * @param limit prompt plus completion tokens allowed, or null for no budget
 */
public record TokenBudget(Long limit) {

    public static final TokenBudget UNLIMITED = new TokenBudget(null);

    public TokenBudget {
        if (limit != null && limit <= 0) {
            throw new IllegalArgumentException("token budget must be greater than 0 (omit it for no budget)");
        }
    }

    /** The refusal for a new request when {@code used} tokens are spent, or empty when it may go. */
    public Optional<BridgeError> check(long used) {
        if (limit != null && used >= limit) {
            return Optional.of(BridgeError.budgetSpent(limit, used));
        }
        return Optional.empty();
    }
}
