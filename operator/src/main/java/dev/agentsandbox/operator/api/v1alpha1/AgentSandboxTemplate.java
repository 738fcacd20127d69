package dev.agentsandbox.operator.api.v1alpha1;

import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A reusable sandbox: the spec of an AgentSandbox (everything its pod is made from) that sandboxes refer to with
 * {@code spec.templateRef} and pools keep warm pods of. Its spec is an AgentSandbox's spec, judged by the same rules;
 * its lifecycle and token budget are defaults the referring sandbox may override.
 */
@Group(AgentSandbox.GROUP)
@Version(AgentSandbox.VERSION)
@Plural(AgentSandboxTemplate.PLURAL)
@ShortNames("asbt")
@ValidationRule(value = "has(self.spec) && has(self.spec.agent)",
        message = "spec.agent is required: an AgentSandboxTemplate needs at least spec.agent.image")
@ValidationRule(value = "!has(self.spec) || !has(self.spec.templateRef)",
        message = "spec.templateRef: a template cannot refer to another template; copy its fields instead")
public class AgentSandboxTemplate extends CustomResource<AgentSandboxSpec, Void> implements Namespaced {

    public static final String PLURAL = "agentsandboxtemplates";
    public static final String KIND = "AgentSandboxTemplate";
}
