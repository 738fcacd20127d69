package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The agent CLIs the operator knows how to configure ({@code spec.agent.preset}); see {@code AgentPresets} for what
 * each gets. Not to be confused with {@link CredentialPreset}, which names a provider's credential injection.
 */
public enum AgentPreset {
    /** Only the generic variables (proxy, CA, OpenAI and Anthropic base URLs): the agent configures itself. */
    @JsonProperty("generic") GENERIC,
    /** Anthropic's Claude Code ({@code claude}). */
    @JsonProperty("claude-code") CLAUDE_CODE,
    /** OpenAI's Codex CLI ({@code codex}). */
    @JsonProperty("codex") CODEX,
    /** OpenClaw ({@code openclaw}). */
    @JsonProperty("openclaw") OPENCLAW
}
