package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import java.util.ArrayList;
import java.util.List;

/** The untrusted agent container. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class AgentSpec {

    @JsonPropertyDescription("Container image of the agent, e.g. ghcr.io/example/openclaw:2026.1.")
    @Required
    @Size(min = 1, max = 512)
    @ValidationRule(value = "!self.contains(' ')", message = "spec.agent.image must not contain spaces")
    private String image;

    @JsonPropertyDescription("The agent CLI in the image, for which the operator writes what it needs to use the"
            + " sandbox's model through the bridge and everything else through the proxy: claude-code (environment),"
            + " codex (/etc/codex/config.toml), openclaw (/etc/openclaw/openclaw.json and environment). Without"
            + " spec.model the preset does not point the agent at the bridge. spec.agent.env wins over the preset."
            + " Omitted: generic (only the proxy, CA and base URL variables).")
    private AgentPreset preset;

    @JsonPropertyDescription("Entrypoint override. Omitted: the image's entrypoint.")
    @Size(max = 64)
    private List<String> command = new ArrayList<>();

    @JsonPropertyDescription("Arguments to the entrypoint.")
    @Size(max = 256)
    private List<String> args = new ArrayList<>();

    @JsonPropertyDescription("Environment variables with literal values only. Secrets go through spec.credentials:"
            + " the proxy injects them and the agent never sees them.")
    @Size(max = 128)
    private List<EnvVarSpec> env = new ArrayList<>();

    @JsonPropertyDescription("Compute resources of the agent container (requests and limits).")
    private AgentResources resources;

    @JsonPropertyDescription("What happens when the agent exits, as a Pod's restartPolicy (it becomes the pod's):"
            + " Always (default: restarted, the sandbox runs until deleted, paused or expired), OnFailure (an exit 0"
            + " ends the sandbox) or Never (its first exit ends it). An ended sandbox is Succeeded (exit 0) or Failed,"
            + " status.agentExit has the exit code, nothing is restarted and the pod is kept for its logs;"
            + " spec.lifecycle.ttlSecondsAfterFinished deletes the sandbox after it. With Never, a failing init"
            + " container (egress setup, CA bundle, git clone) ends it too, as in a Job's pod.")
    private AgentRestartPolicy restartPolicy;

    @JsonPropertyDescription("Keep stdin open, for `kubectl attach -it` to a terminal UI.")
    private Boolean stdin;

    @JsonPropertyDescription("Allocate a TTY, for `kubectl attach -it` to a terminal UI.")
    private Boolean tty;

    public String getImage() {
        return image;
    }

    public void setImage(String image) {
        this.image = image;
    }

    public AgentPreset getPreset() {
        return preset;
    }

    public void setPreset(AgentPreset preset) {
        this.preset = preset;
    }

    public List<String> getCommand() {
        return command;
    }

    public void setCommand(List<String> command) {
        this.command = command == null ? new ArrayList<>() : command;
    }

    public List<String> getArgs() {
        return args;
    }

    public void setArgs(List<String> args) {
        this.args = args == null ? new ArrayList<>() : args;
    }

    public List<EnvVarSpec> getEnv() {
        return env;
    }

    public void setEnv(List<EnvVarSpec> env) {
        this.env = env == null ? new ArrayList<>() : env;
    }

    public AgentResources getResources() {
        return resources;
    }

    public void setResources(AgentResources resources) {
        this.resources = resources;
    }

    public AgentRestartPolicy getRestartPolicy() {
        return restartPolicy;
    }

    public void setRestartPolicy(AgentRestartPolicy restartPolicy) {
        this.restartPolicy = restartPolicy;
    }

    public Boolean getStdin() {
        return stdin;
    }

    public void setStdin(Boolean stdin) {
        this.stdin = stdin;
    }

    public Boolean getTty() {
        return tty;
    }

    public void setTty(Boolean tty) {
        this.tty = tty;
    }
}
