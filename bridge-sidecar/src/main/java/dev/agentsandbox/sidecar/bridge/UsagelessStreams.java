package dev.agentsandbox.sidecar.bridge;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the bridge does with a streamed answer that ended without reporting its token usage: a runner that ignores
 * {@code stream_options.include_usage} (llama-cpp-python's server does) would otherwise make every streamed answer
 * cost nothing, and an agent that only streams would never meet its budget.
 *
 * <p>Such an answer is always counted ({@code streamsWithoutUsage} in {@code /status}), logged, and charged an
 * {@linkplain TokenBudget#estimateUnreported estimate}: the runner has spent those tokens whatever the bridge does
 * next. With {@link Mode#REFUSE} the bridge also cuts that answer before its end (the client sees a broken answer,
 * not a complete one), and refuses later streamed requests for the same model ({@link BridgeError#streamWithoutUsage})
 * until the bridge restarts.
 */
final class UsagelessStreams {

    /** The values of {@code --stream-without-usage}. */
    enum Mode {
        /** Charge the estimate and let the answer through (the default). */
        ESTIMATE,
        /** Charge the estimate, cut the answer, refuse further streamed requests for the model. */
        REFUSE;

        static Mode parse(String value) {
            for (Mode mode : values()) {
                if (mode.cliValue().equals(value)) {
                    return mode;
                }
            }
            throw new IllegalArgumentException("must be estimate or refuse, not '" + value + "'");
        }

        String cliValue() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Mode mode;
    /** The models whose runner streamed without usage, under {@link Mode#REFUSE}. */
    private final Set<String> refusedModels = ConcurrentHashMap.newKeySet();

    UsagelessStreams(Mode mode) {
        this.mode = mode;
    }

    Mode mode() {
        return mode;
    }

    /** The refusal of a request, or empty when it may go: only streamed requests for a refused model are refused. */
    Optional<BridgeError> admit(String model, boolean streaming) {
        if (streaming && model != null && refusedModels.contains(model)) {
            return Optional.of(BridgeError.streamWithoutUsage(model));
        }
        return Optional.empty();
    }

    /**
     * A streamed answer of {@code model} ended without usage: what to charge for it (and, under {@link Mode#REFUSE},
     * the model's later streams are refused).
     *
     * @param requestBytes   the size of the request body sent to the runner
     * @param generatedChars the characters of generated text the stream carried
     */
    TokenUsage charge(String model, int requestBytes, long generatedChars) {
        if (mode == Mode.REFUSE && model != null) {
            refusedModels.add(model);
        }
        return TokenBudget.estimateUnreported(requestBytes, generatedChars);
    }

    /** Whether such an answer is cut before its end instead of completed. */
    boolean cutsAnswer() {
        return mode == Mode.REFUSE;
    }
}
