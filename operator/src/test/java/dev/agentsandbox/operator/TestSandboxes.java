package dev.agentsandbox.operator;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxSpec;
import dev.agentsandbox.operator.api.v1alpha1.AgentSpec;
import dev.agentsandbox.operator.api.v1alpha1.CredentialPreset;
import dev.agentsandbox.operator.api.v1alpha1.CredentialSpec;
import dev.agentsandbox.operator.api.v1alpha1.EgressEnforcement;
import dev.agentsandbox.operator.api.v1alpha1.EgressSpec;
import dev.agentsandbox.operator.api.v1alpha1.InjectRule;
import dev.agentsandbox.operator.api.v1alpha1.LifecycleMode;
import dev.agentsandbox.operator.api.v1alpha1.ModelSpec;
import dev.agentsandbox.operator.api.v1alpha1.SecretKeyRef;
import dev.agentsandbox.operator.plan.CredentialPresets;
import dev.agentsandbox.operator.plan.EffectiveEnforcement;
import dev.agentsandbox.operator.plan.ResolvedRunner;
import dev.agentsandbox.operator.plan.SandboxPlan;
import dev.agentsandbox.operator.plan.SandboxSettings;
import dev.agentsandbox.operator.plan.SidecarResources;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** AgentSandboxes and plans for every tier of tests (unit, mock server, real control plane), without CDI. */
public final class TestSandboxes {

    public static final String SIDECAR_IMAGE = "registry.test/sidecar:1";
    /** Distinct per container, so a test sees which container got which. */
    public static final SidecarResources SIDECAR_RESOURCES = new SidecarResources(
            resources("100m", "201Mi"), resources("200m", "202Mi"), resources("30m", "33Mi"));
    public static final String GIT_IMAGE = "registry.test/git:1";

    private TestSandboxes() {
    }

    /** A minimal sandbox in namespace team-a, as the API server has it after creation (generation 1). */
    public static AgentSandbox minimal(String name) {
        AgentSandbox sandbox = minimal("team-a", name);
        sandbox.getMetadata().setGeneration(1L);
        return sandbox;
    }

    /** A minimal sandbox: an agent image and nothing else, as a client would send it. */
    public static AgentSandbox minimal(String namespace, String name) {
        AgentSandbox sandbox = new AgentSandbox();
        sandbox.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        AgentSandboxSpec spec = new AgentSandboxSpec();
        AgentSpec agent = new AgentSpec();
        agent.setImage("registry.test/agent:1");
        spec.setAgent(agent);
        sandbox.setSpec(spec);
        return sandbox;
    }

    /** Every feature: model, egress rules, an anthropic preset and a custom credential. */
    public static AgentSandbox full(String name) {
        AgentSandbox sandbox = minimal(name);
        AgentSandboxSpec spec = sandbox.getSpec();
        ModelSpec model = new ModelSpec();
        model.setDefaultModel("ai/qwen2.5:7B-Q4_K_M");
        model.setAllowed(List.of("ai/qwen2.5:7B-Q4_K_M", "ai/gpt-oss:20B-UD-Q4_K_XL"));
        model.setTokenBudget(2_000_000L);
        spec.setModel(model);
        EgressSpec egress = new EgressSpec();
        egress.setAllow(List.of("*.npmjs.org", "pypi.org:443"));
        egress.setDeny(List.of("gist.github.com"));
        spec.setEgress(egress);
        spec.setCredentials(List.of(preset("anthropic", CredentialPreset.ANTHROPIC, "anthropic-key", "api-key"),
                custom("gitlab", "gitlab-token", "token", "gitlab.internal.example", "GITLAB_TOKEN")));
        return sandbox;
    }

    public static CredentialSpec preset(String name, CredentialPreset preset, String secret, String key) {
        CredentialSpec credential = new CredentialSpec();
        credential.setName(name);
        credential.setPreset(preset);
        credential.setSecretRef(new SecretKeyRef(secret, key));
        return credential;
    }

    public static CredentialSpec custom(String name, String secret, String key, String host, String env) {
        CredentialSpec credential = new CredentialSpec();
        credential.setName(name);
        credential.setSecretRef(new SecretKeyRef(secret, key));
        credential.setInject(List.of(new InjectRule(host, "Authorization", "Bearer %s")));
        credential.setEnv(env);
        return credential;
    }

    private static ResourceRequirements resources(String cpu, String memory) {
        return new ResourceRequirementsBuilder()
                .withRequests(Map.of("cpu", new Quantity(cpu), "memory", new Quantity(memory)))
                .withLimits(Map.of("memory", new Quantity(memory)))
                .build();
    }

    public static SandboxSettings settings() {
        return new SandboxSettings(SIDECAR_IMAGE, GIT_IMAGE, "agentsandbox-system",
                Map.of("app.kubernetes.io/name", "agentsandbox-operator"), SIDECAR_RESOURCES, List.of(),
                List.of(), Optional.empty());
    }

    public static ResolvedRunner runner() {
        return new ResolvedRunner("docker-model-runner", "model-runner", 80, "llama.cpp", 12434);
    }

    /** A running plan with the runtime class kata, networkpolicy mode; a runner when the spec has a model. */
    public static SandboxPlan plan(AgentSandbox sandbox) {
        return plan(sandbox, EgressEnforcement.NETWORK_POLICY);
    }

    public static SandboxPlan plan(AgentSandbox sandbox, EgressEnforcement mode) {
        return plan(sandbox, EffectiveEnforcement.asRequested(mode));
    }

    public static SandboxPlan plan(AgentSandbox sandbox, EffectiveEnforcement enforcement) {
        return new SandboxPlan(sandbox, "kata", sandbox.getSpec().getModel() == null ? null : runner(),
                sandbox.getSpec().getCredentials().stream().map(CredentialPresets::resolve).toList(),
                settings(), enforcement, true);
    }

    /** {@link #plan(AgentSandbox)} under an operator that has the platform's extra upstream trust. */
    public static SandboxPlan planWithUpstreamTrust(AgentSandbox sandbox, String pem) {
        SandboxSettings defaults = settings();
        SandboxSettings settings = new SandboxSettings(defaults.sidecarImage(), defaults.gitImage(),
                defaults.operatorNamespace(), defaults.operatorPodSelector(), defaults.sidecarResources(),
                defaults.egressAllowCidrs(), defaults.dnsCidrs(), Optional.of(pem));
        return new SandboxPlan(sandbox, "kata", sandbox.getSpec().getModel() == null ? null : runner(),
                sandbox.getSpec().getCredentials().stream().map(CredentialPresets::resolve).toList(),
                settings, EffectiveEnforcement.asRequested(EgressEnforcement.NETWORK_POLICY), true);
    }

    /**
     * Sets {@code spec.lifecycle.mode} as a user's {@code kubectl patch --type merge} would: without the
     * resourceVersion, so it cannot lose a race with the operator's own writes (an edit() of the whole object can).
     */
    public static void setMode(KubernetesClient client, String namespace, String name, LifecycleMode mode) {
        patchLifecycle(client, namespace, name, Map.of("mode", mode));
    }

    /** Sets fields of {@code spec.lifecycle} with a merge patch, as {@link #setMode} does. */
    public static void patchLifecycle(KubernetesClient client, String namespace, String name,
                                      Map<String, Object> lifecycle) {
        client.resources(AgentSandbox.class).inNamespace(namespace).withName(name).patch(
                PatchContext.of(PatchType.JSON_MERGE),
                Serialization.asJson(Map.of("spec", Map.of("lifecycle", lifecycle))));
    }
}
