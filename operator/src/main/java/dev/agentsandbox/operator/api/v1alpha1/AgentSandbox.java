package dev.agentsandbox.operator.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A sandboxed AI coding agent: a microVM-backed pod whose only way out is a credential-injecting proxy. */
@Group(AgentSandbox.GROUP)
@Version(AgentSandbox.VERSION)
@Plural(AgentSandbox.PLURAL)
@ShortNames("asb")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Runtime", jsonPath = ".status.runtimeClassName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Model", jsonPath = ".spec.model.default", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
// -o wide only (priority 1): "is it working" at a glance, the proxy's refusals and the tokens the budget counts.
@AdditionalPrinterColumn(name = "Denials", jsonPath = ".status.egress.denied", type = AdditionalPrinterColumn.Type.INTEGER,
        priority = 1)
@AdditionalPrinterColumn(name = "Tokens", jsonPath = ".status.model.tokensUsed", type = AdditionalPrinterColumn.Type.INTEGER,
        priority = 1)
@ValidationRule(value = "has(self.spec)", message = "spec is required: an AgentSandbox needs at least spec.agent.image")
public class AgentSandbox extends CustomResource<AgentSandboxSpec, AgentSandboxStatus> implements Namespaced {

    public static final String GROUP = "agentsandbox.dev";
    public static final String VERSION = "v1alpha1";
    public static final String PLURAL = "agentsandboxes";
    public static final String KIND = "AgentSandbox";
}
