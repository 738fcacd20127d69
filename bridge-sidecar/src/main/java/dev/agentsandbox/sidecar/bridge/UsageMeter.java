package dev.agentsandbox.sidecar.bridge;

import dev.agentsandbox.sidecar.contract.BridgeStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the bridge has served: requests forwarded to the runner and the tokens they reported. The one source of both
 * the Prometheus counters and the {@code /status} document the operator copies into {@code status.model}.
 */
public final class UsageMeter {

    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong completionTokens = new AtomicLong();
    private final AtomicLong streamsWithoutUsage = new AtomicLong();
    private final Map<String, AtomicLong> refusedByCode = new ConcurrentHashMap<>();
    /** Per model: only models of the allow list are forwarded, so the keys are bounded by the policy. */
    private final Map<String, ModelTally> byModel = new ConcurrentHashMap<>();
    /** The agent's latest request, forwarded or refused: what idle suspend measures. */
    private final AtomicReference<Instant> lastActivity =
            new AtomicReference<>();
    private final MeterRegistry registry;
    /** Tokens the running requests may still spend, and how many run: guarded by {@code this}. */
    private long reserved;
    private int running;

    public UsageMeter(MeterRegistry registry) {
        this.registry = registry;
        FunctionCounter.builder("agentsandbox.bridge.requests", requests, AtomicLong::get)
                .description("Inference requests forwarded to the model runner").register(registry);
        FunctionCounter.builder("agentsandbox.bridge.prompt.tokens", promptTokens, AtomicLong::get)
                .description("Prompt tokens reported by the model runner").register(registry);
        FunctionCounter.builder("agentsandbox.bridge.completion.tokens", completionTokens, AtomicLong::get)
                .description("Completion tokens reported by the model runner (or estimated, see streams.without.usage)")
                .register(registry);
        FunctionCounter.builder("agentsandbox.bridge.streams.without.usage", streamsWithoutUsage, AtomicLong::get)
                .description("Streamed answers that reported no usage; their tokens were estimated").register(registry);
    }

    /**
     * Admits a request under the budget, reserving {@code estimate} tokens until {@link #release}; see
     * {@link TokenBudget} for the rule and the bound it gives.
     *
     * @return the refusal, or empty when admitted (then {@link #release} must follow once its usage is recorded)
     */
    public synchronized Optional<BridgeError> admit(TokenBudget budget, long estimate) {
        Optional<BridgeError> refusal = budget.admit(tokensUsed(), reserved, running, estimate);
        if (refusal.isEmpty()) {
            reserved += estimate;
            running++;
        }
        return refusal;
    }

    /** An admitted request ended and its usage was {@link #record recorded}: its reservation is freed. */
    public synchronized void release(long estimate) {
        reserved -= estimate;
        running--;
    }

    /** A request passed every check and goes to the runner; {@code model} is null for the model list. */
    public void forwarded(String model) {
        requests.incrementAndGet();
        lastActivity.set(Instant.now());
        if (model != null) {
            tally(model).requests.incrementAndGet();
        }
    }

    /** A response ended; its usage counts toward the budget. */
    public void record(String model, TokenUsage usage) {
        promptTokens.addAndGet(usage.promptTokens());
        completionTokens.addAndGet(usage.completionTokens());
        if (model != null) {
            ModelTally tally = tally(model);
            tally.promptTokens.addAndGet(usage.promptTokens());
            tally.completionTokens.addAndGet(usage.completionTokens());
        }
    }

    /** A streamed answer ended without reporting its usage; its estimate is {@link #record recorded} apart. */
    public void streamWithoutUsage() {
        streamsWithoutUsage.incrementAndGet();
    }

    /** The bridge answered itself instead of forwarding; {@code code} is the {@link BridgeError#code()}. */
    public void refused(String code) {
        Counter.builder("agentsandbox.bridge.refused").tag("code", code)
                .description("Requests the bridge answered itself: refusals and upstream failures")
                .register(registry).increment();
        refusedByCode.computeIfAbsent(code, c -> new AtomicLong()).incrementAndGet();
        lastActivity.set(Instant.now());
    }

    public long tokensUsed() {
        return promptTokens.get() + completionTokens.get();
    }

    public BridgeStatus status() {
        return new BridgeStatus(requests.get(), promptTokens.get(), completionTokens.get(), streamsWithoutUsage.get(),
                refusedByCode.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get())),
                byModel.entrySet().stream().sorted(Map.Entry.comparingByKey())
                        .map(e -> e.getValue().usage(e.getKey())).toList(),
                lastActivity.get() == null ? null
                        : lastActivity.get().truncatedTo(ChronoUnit.SECONDS).toString());
    }

    private ModelTally tally(String model) {
        return byModel.computeIfAbsent(model, m -> new ModelTally());
    }

    private static final class ModelTally {
        final AtomicLong requests = new AtomicLong();
        final AtomicLong promptTokens = new AtomicLong();
        final AtomicLong completionTokens = new AtomicLong();

        BridgeStatus.ModelUsage usage(String model) {
            return new BridgeStatus.ModelUsage(model, requests.get(), promptTokens.get(), completionTokens.get());
        }
    }
}
