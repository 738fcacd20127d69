package dev.agentsandbox.operator.reconciler;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxStatus;
import dev.agentsandbox.operator.api.v1alpha1.EgressStatus;
import dev.agentsandbox.operator.api.v1alpha1.ModelUsageStatus;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToLongFunction;

/**
 * The metric series of a set of sandboxes, computed from their status alone (what the sidecars reported, as the
 * operator keeps it). Cardinality is bounded: per sandbox at most {@link #TOP} hosts or models by name, the rest
 * summed under {@link #OTHER}. The names are documented in README.md ("Metrics").
 */
final class SandboxSeries {

    static final String SANDBOXES = "agentsandbox.sandboxes";
    static final String PHASE = "agentsandbox.sandbox.phase";
    static final String EGRESS_REQUESTS = "agentsandbox.sandbox.egress.requests";
    static final String EGRESS_DENIED = "agentsandbox.sandbox.egress.denied";
    static final String INJECTED_REQUESTS = "agentsandbox.sandbox.injected.requests";
    static final String MODEL_REQUESTS = "agentsandbox.sandbox.model.requests";
    static final String MODEL_TOKENS = "agentsandbox.sandbox.model.tokens";
    static final String BUDGET_REMAINING = "agentsandbox.sandbox.token.budget.remaining";
    static final String AGENT_EXIT_CODE = "agentsandbox.sandbox.agent.exit.code";
    static final Map<String, String> DESCRIPTIONS = Map.of(
            SANDBOXES, "AgentSandboxes by status.phase",
            PHASE, "1 for the sandbox's status.phase",
            EGRESS_REQUESTS, "Requests and tunnels the sandbox's egress proxy allowed or denied (decision)",
            EGRESS_DENIED, "Denials of the sandbox's egress proxy by host (the most denied, the rest as other)",
            INJECTED_REQUESTS, "Requests that carried an injected credential, by host",
            MODEL_REQUESTS, "Inference requests the model bridge forwarded, by model",
            MODEL_TOKENS, "Tokens the Model Runner reported, by model and kind (prompt, completion)",
            BUDGET_REMAINING, "spec.model.tokenBudget minus the tokens used",
            AGENT_EXIT_CODE, "The agent's exit code once it ended for good (status.agentExit)");
    /** Hosts or models named per sandbox; the rest are summed under {@link #OTHER}. */
    static final int TOP = 5;
    static final String OTHER = "other";

    /**
     * One value of one series.
     *
     * @param counter whether it only grows (until the sidecar restarts): a Prometheus counter, else a gauge
     */
    record Sample(String name, Map<String, String> tags, double value, boolean counter) {
    }

    private SandboxSeries() {
    }

    static List<Sample> of(List<AgentSandbox> sandboxes) {
        List<Sample> samples = new ArrayList<>();
        Map<SandboxPhase, Integer> byPhase = new EnumMap<>(SandboxPhase.class);
        for (SandboxPhase phase : SandboxPhase.values()) {
            byPhase.put(phase, 0);
        }
        for (AgentSandbox sandbox : sandboxes) {
            AgentSandboxStatus status = sandbox.getStatus();
            if (status == null || status.getPhase() == null) {
                continue;
            }
            byPhase.merge(status.getPhase(), 1, Integer::sum);
            Map<String, String> id = Map.of("namespace", sandbox.getMetadata().getNamespace(),
                    "sandbox", sandbox.getMetadata().getName());
            samples.add(new Sample(PHASE, with(id, "phase", label(status.getPhase())), 1, false));
            // Tells the agent's own end from a sandbox that failed to run it: the alert on Failed skips the former.
            if (status.getAgentExit() != null && status.getAgentExit().exitCode() != null) {
                samples.add(new Sample(AGENT_EXIT_CODE, id, status.getAgentExit().exitCode(), false));
            }
            if (status.getEgress() != null) {
                egress(id, status.getEgress(), samples);
            }
            if (status.getModel() != null) {
                model(id, status.getModel(), budget(sandbox), samples);
            }
        }
        byPhase.forEach((phase, count) -> samples.add(new Sample(SANDBOXES, Map.of("phase", label(phase)),
                count, false)));
        return samples;
    }

    private static void egress(Map<String, String> id, EgressStatus egress, List<Sample> samples) {
        samples.add(new Sample(EGRESS_REQUESTS, with(id, "decision", "allowed"), orZero(egress.allowed()), true));
        samples.add(new Sample(EGRESS_REQUESTS, with(id, "decision", "denied"), orZero(egress.denied()), true));
        Map<String, Long> denied = new LinkedHashMap<>();
        egress.deniedHosts().forEach(h -> denied.merge(h.host(), orZero(h.count()), Long::sum));
        topAndOther(denied, orZero(egress.denied())).forEach((host, count) ->
                samples.add(new Sample(EGRESS_DENIED, with(id, "host", host), count, true)));
        long injectedTotal = egress.injected().values().stream().mapToLong(SandboxSeries::orZero).sum();
        topAndOther(egress.injected(), injectedTotal).forEach((host, count) ->
                samples.add(new Sample(INJECTED_REQUESTS, with(id, "host", host), count, true)));
    }

    private static void model(Map<String, String> id, ModelUsageStatus model, Long budget, List<Sample> samples) {
        Map<String, Long> requests = new LinkedHashMap<>();
        Map<String, Long> prompt = new LinkedHashMap<>();
        Map<String, Long> completion = new LinkedHashMap<>();
        for (ModelUsageStatus.ModelUsage usage : model.models()) {
            requests.put(usage.model(), orZero(usage.requests()));
            prompt.put(usage.model(), orZero(usage.promptTokens()));
            completion.put(usage.model(), orZero(usage.completionTokens()));
        }
        // The same models are named in every series of a sandbox: those with the most requests.
        List<String> named = top(requests);
        summed(named, requests, orZero(model.requests())).forEach((m, v) ->
                samples.add(new Sample(MODEL_REQUESTS, with(id, "model", m), v, true)));
        summed(named, prompt, orZero(model.promptTokens())).forEach((m, v) ->
                samples.add(new Sample(MODEL_TOKENS, with(with(id, "model", m), "kind", "prompt"), v, true)));
        summed(named, completion, orZero(model.completionTokens())).forEach((m, v) ->
                samples.add(new Sample(MODEL_TOKENS, with(with(id, "model", m), "kind", "completion"), v, true)));
        if (budget != null) {
            samples.add(new Sample(BUDGET_REMAINING, id, Math.max(0, budget - orZero(model.tokensUsed())), false));
        }
    }

    /** The {@link #TOP} largest values by name, and the rest of {@code total} under {@link #OTHER}. */
    private static Map<String, Long> topAndOther(Map<String, Long> values, long total) {
        return summed(top(values), values, total);
    }

    private static List<String> top(Map<String, Long> values) {
        return values.entrySet().stream().filter(e -> !Objects.equals(e.getKey(), "_other"))
                .sorted(Comparator.comparingLong((ToLongFunction<Map.Entry<String, Long>>) e -> orZero(e.getValue()))
                        .reversed().thenComparing(Map.Entry::getKey))
                .limit(TOP).map(Map.Entry::getKey).toList();
    }

    private static Map<String, Long> summed(List<String> named, Map<String, Long> values, long total) {
        Map<String, Long> result = new LinkedHashMap<>();
        long sum = 0;
        for (String name : named) {
            long value = orZero(values.get(name));
            result.put(name, value);
            sum += value;
        }
        result.put(OTHER, Math.max(0, total - sum));
        return result;
    }

    /** As {@code status.phase} spells it: Ready, not READY. */
    static String label(SandboxPhase phase) {
        String name = phase.name();
        return name.charAt(0) + name.substring(1).toLowerCase(java.util.Locale.ROOT);
    }

    private static Long budget(AgentSandbox sandbox) {
        return sandbox.getSpec() == null || sandbox.getSpec().getModel() == null ? null
                : sandbox.getSpec().getModel().getTokenBudget();
    }

    private static Map<String, String> with(Map<String, String> tags, String key, String value) {
        Map<String, String> result = new LinkedHashMap<>(tags);
        result.put(key, value);
        return result;
    }

    private static long orZero(Long value) {
        return value == null ? 0 : value;
    }
}
