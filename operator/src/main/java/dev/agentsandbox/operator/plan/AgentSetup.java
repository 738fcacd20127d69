package dev.agentsandbox.operator.plan;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code spec.agent.preset} adds to the agent container: environment variables and at most one configuration
 * file, mounted read-only in a directory of its own.
 *
 * @param env  variables in the order they are set; {@code spec.agent.env} overrides them
 * @param file the agent CLI's configuration file, if the preset writes one
 */
public record AgentSetup(Map<String, String> env, Optional<AgentConfigFile> file) {

    public static final AgentSetup NONE = new AgentSetup(Map.of(), Optional.empty());

    public AgentSetup {
        env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
    }

    /**
     * A file the agent reads from {@code directory/fileName}.
     *
     * @param configMapKey the file's key in the sandbox's ConfigMap
     */
    public record AgentConfigFile(String directory, String fileName, String configMapKey, String content) {
    }
}
