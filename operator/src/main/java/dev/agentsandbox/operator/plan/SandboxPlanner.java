package dev.agentsandbox.operator.plan;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxTemplate;
import dev.agentsandbox.operator.api.v1alpha1.TemplateRef;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import dev.agentsandbox.operator.api.v1alpha1.EgressEnforcement;
import dev.agentsandbox.operator.api.v1alpha1.EgressSpec;
import dev.agentsandbox.operator.api.v1alpha1.ModelSpec;
import dev.agentsandbox.operator.api.v1alpha1.RunnerRef;
import dev.agentsandbox.operator.config.LabelSelectors;
import dev.agentsandbox.operator.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Applies the operator's configuration to a sandbox's spec: defaults, preset expansion, effective names. Created at
 * start ({@link Startup}), so a malformed setting (a label, a quantity) stops the operator naming the setting,
 * rather than failing every reconcile.
 */
@Startup
@ApplicationScoped
public class SandboxPlanner {

    private final OperatorConfig config;
    private final SandboxSettings settings;
    private final EnforcementRules enforcementRules;

    @Inject
    public SandboxPlanner(OperatorConfig config) {
        this.config = config;
        this.settings = new SandboxSettings(config.sidecar().image(), config.gitImage(), config.operator().namespace(),
                LabelSelectors.parse("agentsandbox.operator.pod-selector", config.operator().podSelector()),
                SidecarResources.from(config.sidecar()), config.egressAllowCidrs().orElse(List.of()),
                config.dnsCidrs().orElse(List.of()),
                config.upstreamTrustFile().map(file -> UpstreamTrust.read(Path.of(file))));
        this.enforcementRules = new EnforcementRules(config.enforcementMode(), config.allowWeakerEnforcement(),
                config.iptablesUnsupportedHandlers());
    }

    /** {@code cluster} tells the RuntimeClass's handler, on which the enforcement depends. */
    public SandboxPlan plan(AgentSandbox sandbox, LifecycleState lifecycle, ClusterLookup cluster) {
        List<ResolvedCredential> credentials = sandbox.getSpec().getCredentials().stream()
                .map(CredentialPresets::resolve).toList();
        String runtimeClass = effectiveRuntimeClass(sandbox);
        EgressEnforcement requested = Optional.ofNullable(sandbox.getSpec().getEgress())
                .map(EgressSpec::getEnforcement).orElse(null);
        EffectiveEnforcement enforcement = enforcementRules.decide(requested, runtimeClass,
                cluster.runtimeClass(runtimeClass).map(RuntimeClass::getHandler));
        return new SandboxPlan(sandbox, runtimeClass, runnerOf(sandbox.getSpec().getModel()), credentials, settings,
                enforcement, lifecycle.podWanted());
    }

    /** The sandbox with its template merged in, the one input of {@link #plan}; see {@link TemplateMerge}. */
    public ResolvedSandbox resolve(AgentSandbox sandbox, ClusterLookup cluster) {
        TemplateRef ref = sandbox.getSpec().getTemplateRef();
        if (ref == null) {
            return new ResolvedSandbox(sandbox, null, true);
        }
        return cluster.template(sandbox.getMetadata().getNamespace(), ref.getName())
                .map(template -> new ResolvedSandbox(TemplateMerge.effective(sandbox, template), ref.getName(), true))
                .orElseGet(() -> new ResolvedSandbox(sandbox, ref.getName(), false));
    }

    /**
     * The plan of one warm slot of a pool: the template as a sandbox named after the slot, always running (a
     * template's lifecycle is for the sandboxes that adopt its pods, not for the warm pods).
     */
    public SandboxPlan warmSlot(AgentSandboxTemplate template, String namespace, String slot, ClusterLookup cluster) {
        AgentSandbox sandbox = new AgentSandbox();
        sandbox.setMetadata(new ObjectMetaBuilder().withName(slot).withNamespace(namespace).build());
        sandbox.setSpec(TemplateMerge.effective(sandbox, template).getSpec());
        sandbox.getSpec().setLifecycle(null);
        return plan(sandbox, LifecycleState.at(null, null, Instant.EPOCH), cluster);
    }

    public String effectiveRuntimeClass(AgentSandbox sandbox) {
        String requested = sandbox.getSpec().getRuntimeClassName();
        return requested == null || requested.isBlank() ? config.runtimeClass().defaultName() : requested;
    }

    public boolean runtimeClassAllowed(String runtimeClassName) {
        return config.runtimeClass().allowed().contains(runtimeClassName);
    }

    public List<String> allowedRuntimeClasses() {
        return config.runtimeClass().allowed();
    }

    /** The runner with every omitted field taken from the operator's default Model Runner; null without a model. */
    public ResolvedRunner runnerOf(ModelSpec model) {
        if (model == null) {
            return null;
        }
        OperatorConfig.ModelRunner defaults = config.modelRunner();
        Optional<RunnerRef> ref = Optional.ofNullable(model.getRunner());
        return new ResolvedRunner(
                ref.map(RunnerRef::getService).orElse(defaults.service()),
                ref.map(RunnerRef::getNamespace).orElse(defaults.namespace()),
                ref.map(RunnerRef::getPort).orElse(defaults.port()),
                ref.map(RunnerRef::getEngine).orElse(defaults.engine()),
                defaults.targetPort());
    }
}
