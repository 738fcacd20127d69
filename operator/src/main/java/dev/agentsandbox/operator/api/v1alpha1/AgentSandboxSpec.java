package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import java.util.ArrayList;
import java.util.List;

/** The desired sandbox. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = "!has(self.credentials) || !has(self.agent) || !has(self.agent.env)"
        + " || self.credentials.all(c, !has(c.env)"
        + " || !self.agent.env.exists(e, e.name == c.env))",
        message = "spec.agent.env must not set a variable that a credential's env names: the operator sets it to the"
                + " proxy-managed placeholder; remove it from spec.agent.env",
        fieldPath = ".agent.env")
@ValidationRule(value = "has(self.agent) || has(self.templateRef)",
        message = "spec.agent is required unless spec.templateRef names an AgentSandboxTemplate: set spec.agent.image"
                + " or spec.templateRef.name",
        fieldPath = ".agent")
@ValidationRule(value = "!has(self.model) || has(self.model.default) || has(self.templateRef)",
        message = "spec.model.default is required: the model used when a request names none",
        fieldPath = ".model")
// A time after the agent's end needs an agent that can end. With a template the agent is the template's, which CEL
// cannot see: the template is judged by this same rule.
@ValidationRule(value = "!has(self.lifecycle) || !has(self.lifecycle.ttlSecondsAfterFinished) || has(self.templateRef)"
        + " || (has(self.agent) && has(self.agent.restartPolicy) && self.agent.restartPolicy != 'Always')",
        message = "spec.lifecycle.ttlSecondsAfterFinished counts from the agent's exit, which spec.agent.restartPolicy"
                + " Always (the default) never lets happen: set spec.agent.restartPolicy to Never or OnFailure, or"
                + " remove ttlSecondsAfterFinished",
        fieldPath = ".lifecycle.ttlSecondsAfterFinished")
// With a template, the pod is the template's: a sandbox may set only what leaves the pod as it is (lifecycle,
// token budget, its own labels), so a warm pod of the template fits it and nothing silently forces a cold start.
@ValidationRule(value = "!has(self.templateRef) || !has(self.agent)", message = TemplateRules.AGENT, fieldPath = ".agent")
@ValidationRule(value = "!has(self.templateRef) || !has(self.runtimeClassName)", message = TemplateRules.RUNTIME_CLASS,
        fieldPath = ".runtimeClassName")
@ValidationRule(value = "!has(self.templateRef) || !has(self.workspace)", message = TemplateRules.WORKSPACE,
        fieldPath = ".workspace")
@ValidationRule(value = "!has(self.templateRef) || !has(self.egress)", message = TemplateRules.EGRESS,
        fieldPath = ".egress")
@ValidationRule(value = "!has(self.templateRef) || !has(self.credentials) || size(self.credentials) == 0",
        message = TemplateRules.CREDENTIALS, fieldPath = ".credentials")
@ValidationRule(value = "!has(self.templateRef) || !has(self.model) || (!has(self.model.default)"
        + " && !has(self.model.runner) && (!has(self.model.allowed) || size(self.model.allowed) == 0))",
        message = TemplateRules.MODEL, fieldPath = ".model")
public class AgentSandboxSpec {

    @JsonPropertyDescription("An AgentSandboxTemplate of this namespace to take the pod from. The sandbox may then"
            + " set only lifecycle and model.tokenBudget (they leave the pod as it is); a pool of the template lends"
            + " it a warm pod.")
    private TemplateRef templateRef;

    @JsonPropertyDescription("RuntimeClass the sandbox pod runs under: a microVM (e.g. kata) or an application kernel"
            + " (e.g. gvisor). Omitted: the operator's default. Must be in the operator's allowed list.")
    @Pattern(Validation.DNS_SUBDOMAIN)
    @Size(max = 253)
    private String runtimeClassName;

    @JsonPropertyDescription("The agent container: the untrusted workload. Required unless templateRef is set.")
    private AgentSpec agent;

    @JsonPropertyDescription("The agent's working directory: an emptyDir, or a PersistentVolumeClaim owned by the"
            + " sandbox when size is set; optionally cloned from Git.")
    private WorkspaceSpec workspace;

    @JsonPropertyDescription("The local model endpoint. Omitted: no model bridge sidecar.")
    private ModelSpec model;

    @JsonPropertyDescription("Hosts the agent may reach through the egress proxy. Everything else is denied.")
    private EgressSpec egress;

    @JsonPropertyDescription("API keys the egress proxy injects into requests to their hosts. The agent sees only"
            + " the placeholder value 'proxy-managed'. Names must be unique.")
    @Size(max = 32)
    @ValidationRule(value = "self.all(c, self.exists_one(d, d.name == c.name))",
            message = "spec.credentials: names must be unique; rename the duplicate credential")
    private List<CredentialSpec> credentials = new ArrayList<>();

    @JsonPropertyDescription("Running or paused, and when to shut down.")
    private LifecycleSpec lifecycle;

    public TemplateRef getTemplateRef() {
        return templateRef;
    }

    public void setTemplateRef(TemplateRef templateRef) {
        this.templateRef = templateRef;
    }

    public String getRuntimeClassName() {
        return runtimeClassName;
    }

    public void setRuntimeClassName(String runtimeClassName) {
        this.runtimeClassName = runtimeClassName;
    }

    public AgentSpec getAgent() {
        return agent;
    }

    public void setAgent(AgentSpec agent) {
        this.agent = agent;
    }

    public WorkspaceSpec getWorkspace() {
        return workspace;
    }

    public void setWorkspace(WorkspaceSpec workspace) {
        this.workspace = workspace;
    }

    public ModelSpec getModel() {
        return model;
    }

    public void setModel(ModelSpec model) {
        this.model = model;
    }

    public EgressSpec getEgress() {
        return egress;
    }

    public void setEgress(EgressSpec egress) {
        this.egress = egress;
    }

    public List<CredentialSpec> getCredentials() {
        return credentials;
    }

    public void setCredentials(List<CredentialSpec> credentials) {
        this.credentials = credentials == null ? new ArrayList<>() : credentials;
    }

    public LifecycleSpec getLifecycle() {
        return lifecycle;
    }

    public void setLifecycle(LifecycleSpec lifecycle) {
        this.lifecycle = lifecycle;
    }
}
