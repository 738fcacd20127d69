package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;

/** The template to keep warm pods of, and how many. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentSandboxPoolSpec {

    @JsonPropertyDescription("The AgentSandboxTemplate whose pods the pool keeps warm; sandboxes that refer to the"
            + " same template adopt them.")
    @Required
    private TemplateRef templateRef;

    @JsonPropertyDescription("Warm pods to keep: unclaimed, every container started. At most the operator's"
            + " agentsandbox.pool.max-replicas. Set through /scale by an HPA or KEDA.")
    @Required
    @SpecReplicas
    @ValidationRule(value = "self >= 0", message = "spec.replicas must be 0 or more; 0 keeps no warm pod")
    private Integer replicas;

    public TemplateRef getTemplateRef() {
        return templateRef;
    }

    public void setTemplateRef(TemplateRef templateRef) {
        this.templateRef = templateRef;
    }

    public Integer getReplicas() {
        return replicas;
    }

    public void setReplicas(Integer replicas) {
        this.replicas = replicas;
    }
}
