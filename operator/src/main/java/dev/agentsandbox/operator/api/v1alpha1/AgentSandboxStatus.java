package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The observed sandbox. Written only by the operator, through the status subresource. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class AgentSandboxStatus {

    @JsonPropertyDescription("Summary: Pending, Starting, Ready, Paused, Expired, Succeeded or Failed (an input check failed, or"
            + " the agent ended with a non-zero exit code). The conditions say why.")
    private SandboxPhase phase;

    @JsonPropertyDescription("The metadata.generation this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("Ready, RuntimeReady, CredentialsReady, EgressReady, ModelRunnerReady and"
            + " WorkspaceReady, each with a reason and a message.")
    private List<SandboxCondition> conditions = new ArrayList<>();

    @JsonPropertyDescription("Name of the sandbox pod.")
    private String podName;

    @JsonPropertyDescription("IP address of the sandbox pod.")
    private String podIP;

    @JsonPropertyDescription("Node the sandbox pod runs on.")
    private String nodeName;

    @JsonPropertyDescription("The RuntimeClass in effect: spec.runtimeClassName or the operator's default.")
    private String runtimeClassName;

    @JsonPropertyDescription("Egress decisions of the proxy.")
    private EgressStatus egress;

    @JsonPropertyDescription("Model usage counted by the bridge.")
    private ModelUsageStatus model;

    @JsonPropertyDescription("The agent container's CPU use as idle suspend counts it; only with"
            + " spec.lifecycle.idleCpuThreshold.")
    private AgentCpuStatus agentCpu;

    @JsonPropertyDescription("How the agent container ended, once it ended for good (spec.agent.restartPolicy Never"
            + " or OnFailure): exit code, reason and time. The sandbox is then Succeeded or Failed, and nothing is"
            + " restarted; spec.lifecycle.ttlSecondsAfterFinished deletes it that long after.")
    private AgentExitStatus agentExit;

    public SandboxPhase getPhase() {
        return phase;
    }

    public void setPhase(SandboxPhase phase) {
        this.phase = phase;
    }

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public List<SandboxCondition> getConditions() {
        return conditions;
    }

    public void setConditions(List<SandboxCondition> conditions) {
        this.conditions = conditions == null ? new ArrayList<>() : conditions;
    }

    public String getPodName() {
        return podName;
    }

    public void setPodName(String podName) {
        this.podName = podName;
    }

    public String getPodIP() {
        return podIP;
    }

    public void setPodIP(String podIP) {
        this.podIP = podIP;
    }

    public String getNodeName() {
        return nodeName;
    }

    public void setNodeName(String nodeName) {
        this.nodeName = nodeName;
    }

    public String getRuntimeClassName() {
        return runtimeClassName;
    }

    public void setRuntimeClassName(String runtimeClassName) {
        this.runtimeClassName = runtimeClassName;
    }

    public EgressStatus getEgress() {
        return egress;
    }

    public void setEgress(EgressStatus egress) {
        this.egress = egress;
    }

    public ModelUsageStatus getModel() {
        return model;
    }

    public void setModel(ModelUsageStatus model) {
        this.model = model;
    }

    public AgentCpuStatus getAgentCpu() {
        return agentCpu;
    }

    public void setAgentCpu(AgentCpuStatus agentCpu) {
        this.agentCpu = agentCpu;
    }

    public AgentExitStatus getAgentExit() {
        return agentExit;
    }

    public void setAgentExit(AgentExitStatus agentExit) {
        this.agentExit = agentExit;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof AgentSandboxStatus that)) {
            return false;
        }
        return phase == that.phase && Objects.equals(observedGeneration, that.observedGeneration)
                && Objects.equals(conditions, that.conditions) && Objects.equals(podName, that.podName)
                && Objects.equals(podIP, that.podIP) && Objects.equals(nodeName, that.nodeName)
                && Objects.equals(runtimeClassName, that.runtimeClassName) && Objects.equals(egress, that.egress)
                && Objects.equals(model, that.model) && Objects.equals(agentCpu, that.agentCpu)
                && Objects.equals(agentExit, that.agentExit);
    }

    @Override
    public int hashCode() {
        return Objects.hash(phase, observedGeneration, conditions, podName, podIP, nodeName, runtimeClassName,
                egress, model, agentCpu, agentExit);
    }
}
