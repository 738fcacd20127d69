package dev.agentsandbox.operator.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Warm, fully started sandbox pods of one template that belong to no sandbox yet: an AgentSandbox of that template
 * adopts one instead of starting a pod. Scalable through {@code /scale} (HPA, KEDA, {@code kubectl scale}).
 */
@Group(AgentSandbox.GROUP)
@Version(AgentSandbox.VERSION)
@Plural(AgentSandboxPool.PLURAL)
@ShortNames("asbp")
@AdditionalPrinterColumn(name = "Template", jsonPath = ".spec.templateRef.name", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Desired", jsonPath = ".spec.replicas", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.readyReplicas", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Warming", jsonPath = ".status.warmingReplicas", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = "has(self.spec)",
        message = "spec is required: an AgentSandboxPool needs spec.templateRef.name and spec.replicas")
public class AgentSandboxPool extends CustomResource<AgentSandboxPoolSpec, AgentSandboxPoolStatus>
        implements Namespaced {

    public static final String PLURAL = "agentsandboxpools";
    public static final String KIND = "AgentSandboxPool";
}
