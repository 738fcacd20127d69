package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.plan.SandboxPlan;
import dev.agentsandbox.sidecar.contract.BridgeConfig;
import dev.agentsandbox.sidecar.contract.ProxyConfig;
import dev.agentsandbox.sidecar.contract.SidecarConfigJson;
import dev.agentsandbox.sidecar.contract.SidecarMounts;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * {@code <name>-sidecar}: the proxy policy and the bridge settings, the agent preset's configuration file, and the
 * platform's extra upstream trust.
 * Mounted as a directory (not subPath), so a policy change reaches the running sidecars without a pod restart; the
 * agent gets only its own key.
 */
@KubernetesDependent(informer = @Informer(labelSelector = SandboxObjects.MANAGED_SELECTOR))
public class SidecarConfigMapDependentResource extends PlannedDependentResource<ConfigMap> {

    public static final String NAME = "sidecar-configmap";

    public SidecarConfigMapDependentResource() {
        super(ConfigMap.class);
    }

    @Override
    public ConfigMap desired(SandboxPlan plan) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put(ProxyConfig.FILE_NAME, SidecarConfigJson.write(SidecarConfigFiles.proxy(plan)));
        SidecarConfigFiles.bridge(plan).ifPresent(bridge -> data.put(BridgeConfig.FILE_NAME, SidecarConfigJson.write(bridge)));
        plan.agentSetup().file().ifPresent(file -> data.put(file.configMapKey(), file.content()));
        // Certificates only, no secret: the proxy reads it beside its policy (SidecarArgs.TRUST_BUNDLE).
        plan.settings().upstreamTrust().ifPresent(pem -> data.put(SidecarMounts.UPSTREAM_TRUST_FILE_NAME, pem));
        return new ConfigMapBuilder()
                .withApiVersion("v1").withKind("ConfigMap")
                .withMetadata(SandboxObjects.metadata(SandboxObjects.configMapName(plan.objectBase()), plan.namespace(),
                        plan.name()))
                .withData(data)
                .build();
    }

    /** Exactly our files: an added or edited key is restored (the sidecars read every file they are given). */
    @Override
    public Matcher.Result<ConfigMap> match(ConfigMap actual, ConfigMap desired, AgentSandbox primary,
                                           Context<AgentSandbox> context) {
        return Matcher.Result.computed(Objects.equals(actual.getData(), desired.getData()), desired);
    }
}
