package dev.agentsandbox.operator.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.agentsandbox.operator.api.v1alpha1.AgentPreset;
import dev.agentsandbox.operator.api.v1alpha1.ModelSpec;
import dev.agentsandbox.operator.plan.AgentSetup.AgentConfigFile;
import dev.agentsandbox.sidecar.contract.SidecarPorts;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Expands {@code spec.agent.preset} into what that agent CLI needs to use the sandbox's model through the bridge
 * (docs/architecture.md, "Agent presets"). The one place that knows each CLI's variables and configuration files;
 * checked against the real CLIs by the agents tier of the tests (versions in the README).
 *
 * <p>Every preset points at {@code spec.model.default}, the one model the bridge always allows. Without
 * {@code spec.model} there is no bridge: the preset then only turns off the CLI's telemetry and update checks, and
 * the agent talks to its provider through the proxy (with a credential preset for its key).
 */
public final class AgentPresets {

    /** The name the Codex and OpenClaw configurations give the bridge as a model provider. */
    public static final String PROVIDER = "agentsandbox-bridge";
    /** What the agent sends as its key to the bridge, which needs none; set so that the CLI does not ask for one. */
    public static final String BRIDGE_TOKEN = "agentsandbox-bridge";

    /** Codex reads this system-wide layer below the user's {@code $CODEX_HOME/config.toml}, which it writes beside. */
    public static final String CODEX_CONFIG_DIR = "/etc/codex";
    public static final String OPENCLAW_CONFIG_DIR = "/etc/openclaw";

    /** Keys sorted: the same spec always gives the same file. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private AgentPresets() {
    }

    /** What the preset adds; {@code model} is null when the sandbox has no model section. */
    public static AgentSetup expand(AgentPreset preset, ModelSpec model) {
        Optional<ModelSpec> bridged = Optional.ofNullable(model);
        return switch (preset == null ? AgentPreset.GENERIC : preset) {
            case GENERIC -> AgentSetup.NONE;
            case CLAUDE_CODE -> new AgentSetup(claudeCodeEnv(bridged), Optional.empty());
            case CODEX -> new AgentSetup(Map.of(), bridged.map(AgentPresets::codexConfig));
            case OPENCLAW -> openClaw(bridged);
        };
    }

    private static Map<String, String> claudeCodeEnv(Optional<ModelSpec> model) {
        Map<String, String> env = new LinkedHashMap<>();
        // No telemetry, error reports, update checks or other calls home: hosts the proxy would deny anyway.
        env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        env.put("DISABLE_TELEMETRY", "1");
        env.put("DISABLE_AUTOUPDATER", "1");
        model.ifPresent(spec -> {
            String name = spec.getDefaultModel();
            // Claude Code asks for its own models by default (refused by the bridge): name the allowed one for every
            // role. ANTHROPIC_SMALL_FAST_MODEL is the older name of ANTHROPIC_DEFAULT_HAIKU_MODEL.
            for (String variable : List.of("ANTHROPIC_MODEL", "ANTHROPIC_DEFAULT_OPUS_MODEL",
                    "ANTHROPIC_DEFAULT_SONNET_MODEL", "ANTHROPIC_DEFAULT_HAIKU_MODEL", "ANTHROPIC_SMALL_FAST_MODEL",
                    "CLAUDE_CODE_SUBAGENT_MODEL")) {
                env.put(variable, name);
            }
            // A bearer token rather than ANTHROPIC_API_KEY: Claude Code asks before using an unknown API key.
            env.put("ANTHROPIC_AUTH_TOKEN", BRIDGE_TOKEN);
        });
        return env;
    }

    /** A custom provider with the Responses wire API (Codex refuses {@code chat}), at the bridge's OpenAI route. */
    private static AgentConfigFile codexConfig(ModelSpec model) {
        String toml = "# Written by the agentsandbox operator for spec.agent.preset codex: the sandbox's model through"
                + " the model bridge.\n"
                + "# Keys in $CODEX_HOME/config.toml take precedence over this file.\n"
                + "model = " + tomlString(model.getDefaultModel()) + "\n"
                + "model_provider = " + tomlString(PROVIDER) + "\n"
                + "check_for_update_on_startup = false\n"
                + "\n"
                + "[analytics]\n"
                + "enabled = false\n"
                + "\n"
                + "[model_providers." + PROVIDER + "]\n"
                + "name = \"agentsandbox model bridge\"\n"
                + "base_url = " + tomlString(SidecarPorts.BRIDGE_URL + "/v1") + "\n"
                + "wire_api = \"responses\"\n";
        return new AgentConfigFile(CODEX_CONFIG_DIR, "config.toml", "agent-codex-config.toml", toml);
    }

    /**
     * An OpenAI-compatible provider with the allowed models, the default one primary. The file is read-only (a
     * ConfigMap), so OpenClaw is told not to write it; its state stays in its writable state directory.
     */
    private static AgentSetup openClaw(Optional<ModelSpec> model) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("OPENCLAW_NO_AUTO_UPDATE", "1");
        if (model.isEmpty()) {
            return new AgentSetup(env, Optional.empty());
        }
        AgentConfigFile file = new AgentConfigFile(OPENCLAW_CONFIG_DIR, "openclaw.json", "agent-openclaw.json",
                openClawConfig(model.get()));
        env.put("OPENCLAW_CONFIG_PATH", file.directory() + "/" + file.fileName());
        env.put("OPENCLAW_CONFIG_READONLY", "1");
        return new AgentSetup(env, Optional.of(file));
    }

    private static String openClawConfig(ModelSpec model) {
        List<String> names = new ArrayList<>();
        names.add(model.getDefaultModel());
        model.getAllowed().stream().filter(name -> !names.contains(name)).forEach(names::add);
        List<Map<String, Object>> models = names.stream()
                .<Map<String, Object>>map(name -> Map.of("id", name, "name", name)).toList();
        Map<String, Object> provider = new LinkedHashMap<>();
        provider.put("baseUrl", SidecarPorts.BRIDGE_URL + "/v1");
        provider.put("apiKey", BRIDGE_TOKEN);
        provider.put("api", "openai-completions");
        provider.put("models", models);
        Map<String, Object> config = Map.of(
                "agents", Map.of("defaults", Map.of("model",
                        Map.of("primary", PROVIDER + "/" + model.getDefaultModel()))),
                "models", Map.of("providers", Map.of(PROVIDER, provider)));
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("maps of strings always serialize", e);
        }
    }

    /** A TOML basic string: quotes, backslashes and control characters escaped (model names come from the spec). */
    static String tomlString(String value) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\u%04X", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
