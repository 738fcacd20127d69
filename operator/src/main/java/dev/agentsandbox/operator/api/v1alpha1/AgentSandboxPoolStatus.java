package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The observed pool. Written only by the operator, through the status subresource. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentSandboxPoolStatus {

    @JsonPropertyDescription("The metadata.generation this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("Unclaimed pods of the pool, warming or ready.")
    @StatusReplicas
    private Integer replicas;

    @JsonPropertyDescription("Unclaimed pods with every container started: what a sandbox adopts.")
    private Integer readyReplicas;

    @JsonPropertyDescription("Unclaimed pods still starting.")
    private Integer warmingReplicas;

    @JsonPropertyDescription("Unclaimed pods built from the template as it is now.")
    private Integer updatedReplicas;

    @JsonPropertyDescription("Label selector of the pool's unclaimed pods (for /scale).")
    @LabelSelector
    private String selector;

    @JsonPropertyDescription("Ready, with a reason and a message: TemplateNotFound, ReplicasAboveLimit, an input"
            + " check of the template (e.g. SecretNotFound), Warming or PoolReady.")
    private List<SandboxCondition> conditions = new ArrayList<>();

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public Integer getReplicas() {
        return replicas;
    }

    public void setReplicas(Integer replicas) {
        this.replicas = replicas;
    }

    public Integer getReadyReplicas() {
        return readyReplicas;
    }

    public void setReadyReplicas(Integer readyReplicas) {
        this.readyReplicas = readyReplicas;
    }

    public Integer getWarmingReplicas() {
        return warmingReplicas;
    }

    public void setWarmingReplicas(Integer warmingReplicas) {
        this.warmingReplicas = warmingReplicas;
    }

    public Integer getUpdatedReplicas() {
        return updatedReplicas;
    }

    public void setUpdatedReplicas(Integer updatedReplicas) {
        this.updatedReplicas = updatedReplicas;
    }

    public String getSelector() {
        return selector;
    }

    public void setSelector(String selector) {
        this.selector = selector;
    }

    public List<SandboxCondition> getConditions() {
        return conditions;
    }

    public void setConditions(List<SandboxCondition> conditions) {
        this.conditions = conditions == null ? new ArrayList<>() : conditions;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AgentSandboxPoolStatus other && Objects.equals(observedGeneration, other.observedGeneration)
                && Objects.equals(replicas, other.replicas) && Objects.equals(readyReplicas, other.readyReplicas)
                && Objects.equals(warmingReplicas, other.warmingReplicas)
                && Objects.equals(updatedReplicas, other.updatedReplicas) && Objects.equals(selector, other.selector)
                && Objects.equals(conditions, other.conditions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(observedGeneration, replicas, readyReplicas, warmingReplicas, updatedReplicas, selector,
                conditions);
    }
}
