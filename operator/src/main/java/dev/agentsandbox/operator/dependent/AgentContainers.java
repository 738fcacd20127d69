package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.api.v1alpha1.AgentSpec;
import dev.agentsandbox.operator.api.v1alpha1.EnvVarSpec;
import dev.agentsandbox.operator.api.v1alpha1.GitSpec;
import dev.agentsandbox.operator.plan.AgentPresets;
import dev.agentsandbox.operator.plan.ResolvedCredential;
import dev.agentsandbox.operator.plan.SandboxPlan;
import dev.agentsandbox.sidecar.contract.SidecarMounts;
import dev.agentsandbox.sidecar.contract.SidecarPorts;
import dev.agentsandbox.sidecar.contract.SidecarUids;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The containers that run as the agent's user: the agent itself and the optional git clone. */
public final class AgentContainers {

    public static final String AGENT = "agent";
    public static final String WORKSPACE_INIT = "workspace-init";

    /**
     * Idempotent (a resumed sandbox keeps its workspace) and works in a non-empty directory (lost+found). A marker
     * in .git says a clone is under way: a clone cut short (the container killed, the network gone) is started
     * over on the next try instead of being taken for a finished one; a repository without it is never touched.
     */
    private static final String CLONE_SCRIPT = "set -eu\n"
            + "marker=\"$WORKSPACE/.git/agentsandbox-clone-incomplete\"\n"
            + "if [ -d \"$WORKSPACE/.git\" ] && [ ! -e \"$marker\" ]; then exit 0; fi\n"
            + "rm -rf \"$WORKSPACE/.git\"\n"
            + "git -C \"$WORKSPACE\" init -q\n"
            + "touch \"$marker\"\n"
            + "git -C \"$WORKSPACE\" remote add origin \"$GIT_URL\"\n"
            + "git -C \"$WORKSPACE\" fetch -q --depth 1 origin \"${GIT_REF:-HEAD}\"\n"
            + "git -C \"$WORKSPACE\" checkout -q FETCH_HEAD\n"
            + "rm \"$marker\"\n";

    private AgentContainers() {
    }

    public static Container agent(SandboxPlan plan) {
        AgentSpec agent = plan.spec().getAgent();
        ContainerBuilder container = new ContainerBuilder()
                .withName(AGENT)
                .withImage(agent.getImage())
                .withEnv(agentEnv(plan))
                .withVolumeMounts(
                        SidecarContainers.mount(SandboxVolumes.WORKSPACE, plan.workspaceMountPath(), false),
                        SidecarContainers.mount(SandboxVolumes.PROXY_CA, SidecarMounts.CA_DIR, true),
                        SidecarContainers.mount(SandboxVolumes.AGENT_TRUST, AgentTrust.DIR, true))
                .withSecurityContext(SecurityContexts.restricted(SidecarUids.AGENT));
        plan.agentSetup().file().ifPresent(file -> container.addToVolumeMounts(
                SidecarContainers.mount(SandboxVolumes.AGENT_CONFIG, file.directory(), true)));
        if (!agent.getCommand().isEmpty()) {
            container.withCommand(agent.getCommand());
        }
        if (!agent.getArgs().isEmpty()) {
            container.withArgs(agent.getArgs());
        }
        if (agent.getResources() != null) {
            container.withResources(new ResourceRequirementsBuilder()
                    .withLimits(agent.getResources().getLimits().isEmpty() ? null : agent.getResources().getLimits())
                    .withRequests(agent.getResources().getRequests().isEmpty() ? null
                            : agent.getResources().getRequests())
                    .build());
        }
        if (Boolean.TRUE.equals(agent.getStdin())) {
            container.withStdin(true);
        }
        if (Boolean.TRUE.equals(agent.getTty())) {
            container.withTty(true);
        }
        return container.build();
    }

    /**
     * Clones spec.workspace.git through the proxy, after the proxy sidecar and {@link AgentTrust#TRUST_INIT} (its
     * bundle trusts both the tunnelled and the intercepted git hosts).
     */
    public static Container workspaceInit(SandboxPlan plan, GitSpec git) {
        List<EnvVar> env = new ArrayList<>(proxyEnv());
        workspaceSafeDirectory(plan).forEach((name, value) -> env.add(new EnvVar(name, value, null)));
        env.add(new EnvVar("GIT_SSL_CAINFO", AgentTrust.BUNDLE, null));
        env.add(new EnvVar("HOME", "/tmp", null));
        env.add(new EnvVar("WORKSPACE", plan.workspaceMountPath(), null));
        env.add(new EnvVar("GIT_URL", git.getUrl(), null));
        if (git.getRef() != null) {
            env.add(new EnvVar("GIT_REF", git.getRef(), null));
        }
        return new ContainerBuilder()
                .withName(WORKSPACE_INIT)
                .withImage(plan.settings().gitImage())
                // URL and ref travel as variables, never spliced into the script.
                .withCommand("/bin/sh", "-c", CLONE_SCRIPT)
                .withEnv(env)
                .withVolumeMounts(
                        SidecarContainers.mount(SandboxVolumes.WORKSPACE, plan.workspaceMountPath(), false),
                        SidecarContainers.mount(SandboxVolumes.AGENT_TRUST, AgentTrust.DIR, true))
                .withSecurityContext(SecurityContexts.restricted(SidecarUids.AGENT))
                .build();
    }

    /**
     * The agent preset's variables, the spec's literal variables, then what the operator sets: proxy, model
     * endpoints, credential placeholders and the trust bundle (the image's roots and the proxy CA). Never a value
     * from a Secret.
     */
    static List<EnvVar> agentEnv(SandboxPlan plan) {
        // By name, later entries winning: a variable appears once (server-side apply keys the list by name), the
        // spec overrides the preset, and what the operator sets cannot be overridden by the spec (the API server
        // refuses that too).
        Map<String, String> env = new LinkedHashMap<>(plan.agentSetup().env());
        // Defaults the spec may replace (a user with git settings of their own names safe.directory too).
        env.putAll(workspaceSafeDirectory(plan));
        for (EnvVarSpec literal : plan.spec().getAgent().getEnv()) {
            env.put(literal.getName(), literal.getValue());
        }
        proxyEnv().forEach(variable -> env.put(variable.getName(), variable.getValue()));
        if (plan.model().isPresent()) {
            env.put("OPENAI_BASE_URL", SidecarPorts.BRIDGE_URL + "/v1");
            env.put("ANTHROPIC_BASE_URL", SidecarPorts.BRIDGE_URL);
            // The official SDKs refuse to start (OpenAI) or to send (Anthropic) without a key, and the bridge needs
            // none: a stand-in unless the spec, the preset or a credential names one. A bearer token for Anthropic,
            // not ANTHROPIC_API_KEY, which Claude Code asks about before it uses an unknown one.
            env.putIfAbsent("OPENAI_API_KEY", AgentPresets.BRIDGE_TOKEN);
            if (!env.containsKey("ANTHROPIC_API_KEY")) {
                env.putIfAbsent("ANTHROPIC_AUTH_TOKEN", AgentPresets.BRIDGE_TOKEN);
            }
        }
        for (ResolvedCredential credential : plan.credentials()) {
            credential.envName().ifPresent(name -> env.put(name, ResolvedCredential.PLACEHOLDER_VALUE));
        }
        for (String bundleVariable : AgentTrust.BUNDLE_VARIABLES) {
            env.put(bundleVariable, AgentTrust.BUNDLE);
        }
        env.put(AgentTrust.NODE_EXTRA_CA_CERTS, SidecarMounts.CA_CERT);
        List<EnvVar> variables = new ArrayList<>();
        env.forEach((name, value) -> variables.add(new EnvVar(name, value, null)));
        return variables;
    }

    /**
     * The workspace volume's root belongs to root (the kubelet gives a volume the pod's fsGroup, not its user), and
     * git refuses a repository whose top directory another user owns ("dubious ownership"): the clone would stop
     * after {@code git init} and the agent's git would refuse the workspace. Git's environment-only configuration
     * (git 2.31+) declares that one directory safe, adding to the image's and the user's configuration.
     */
    private static Map<String, String> workspaceSafeDirectory(SandboxPlan plan) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("GIT_CONFIG_COUNT", "1");
        env.put("GIT_CONFIG_KEY_0", "safe.directory");
        env.put("GIT_CONFIG_VALUE_0", plan.workspaceMountPath());
        return env;
    }

    private static List<EnvVar> proxyEnv() {
        return List.of(
                new EnvVar("HTTP_PROXY", SidecarPorts.PROXY_URL, null),
                new EnvVar("HTTPS_PROXY", SidecarPorts.PROXY_URL, null),
                new EnvVar("http_proxy", SidecarPorts.PROXY_URL, null),
                new EnvVar("https_proxy", SidecarPorts.PROXY_URL, null),
                new EnvVar("NO_PROXY", "127.0.0.1,localhost", null),
                new EnvVar("no_proxy", "127.0.0.1,localhost", null));
    }
}
