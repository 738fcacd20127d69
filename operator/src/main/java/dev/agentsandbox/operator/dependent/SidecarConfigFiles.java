package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.api.v1alpha1.EgressSpec;
import dev.agentsandbox.operator.api.v1alpha1.ModelSpec;
import dev.agentsandbox.operator.plan.InjectionTarget;
import dev.agentsandbox.operator.plan.ResolvedCredential;
import dev.agentsandbox.operator.plan.SandboxPlan;
import dev.agentsandbox.sidecar.contract.BridgeConfig;
import dev.agentsandbox.sidecar.contract.CredentialRule;
import dev.agentsandbox.sidecar.contract.ProxyConfig;
import dev.agentsandbox.sidecar.contract.SidecarMounts;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Builds the sidecars' configuration files for a sandbox ({@code proxy.json}, {@code bridge.json}) from its plan. */
public final class SidecarConfigFiles {

    private SidecarConfigFiles() {
    }

    /** Allow/deny rules and credential rules that name the mounted Secret file, never the value. */
    public static ProxyConfig proxy(SandboxPlan plan) {
        EgressSpec egress = Optional.ofNullable(plan.spec().getEgress()).orElseGet(EgressSpec::new);
        Set<String> allow = new LinkedHashSet<>(egress.getAllow());
        List<CredentialRule> rules = new ArrayList<>();
        for (ResolvedCredential credential : plan.credentials()) {
            for (InjectionTarget target : credential.targets()) {
                // Declaring a credential for a host allows that host.
                allow.add(target.host());
                rules.add(new CredentialRule(credential.name(), target.host(), target.header(), target.format(),
                        SidecarMounts.credentialFile(credential.name(),
                        credential.secretRef().getKey()), target.basicAuthUser()));
            }
        }
        return new ProxyConfig(List.copyOf(allow), egress.getDeny(), plan.settings().egressAllowCidrs(), rules);
    }

    /** The bridge's settings; empty when the sandbox has no model section. */
    public static Optional<BridgeConfig> bridge(SandboxPlan plan) {
        ModelSpec model = plan.spec().getModel();
        return plan.model().map(runner -> new BridgeConfig(runner.upstreamUrl(), model.getDefaultModel(),
                model.getAllowed(), model.getTokenBudget()));
    }
}
