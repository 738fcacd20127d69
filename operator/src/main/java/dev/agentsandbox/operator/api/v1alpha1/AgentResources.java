package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Quantity;

import java.util.LinkedHashMap;
import java.util.Map;

/** Compute resources of the agent container: the subset of a container's resources a sandbox needs. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class AgentResources {

    @JsonPropertyDescription("Maximum resources, e.g. {cpu: \"2\", memory: 4Gi}.")
    private Map<String, Quantity> limits = new LinkedHashMap<>();

    @JsonPropertyDescription("Resources the scheduler reserves, e.g. {cpu: 500m, memory: 1Gi}.")
    private Map<String, Quantity> requests = new LinkedHashMap<>();

    public Map<String, Quantity> getLimits() {
        return limits;
    }

    public void setLimits(Map<String, Quantity> limits) {
        this.limits = limits == null ? new LinkedHashMap<>() : limits;
    }

    public Map<String, Quantity> getRequests() {
        return requests;
    }

    public void setRequests(Map<String, Quantity> requests) {
        this.requests = requests == null ? new LinkedHashMap<>() : requests;
    }
}
