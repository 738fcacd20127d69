package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import java.util.ArrayList;
import java.util.List;

/** Host rules of the egress proxy. Deny by default; deny beats allow; ports 443 and 80 unless a rule names one. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class EgressSpec {

    @JsonPropertyDescription("Host rules the agent may reach: host, *.domain (one label), **.domain (any depth),"
            + " each with an optional :port. Without a port, 443 and 80 only.")
    @Size(max = 256)
    @ValidationRule(value = Validation.ALL_HOST_RULES, message = "spec.egress.allow: " + Validation.HOST_RULE_HELP)
    private List<@Size(max = Validation.HOST_RULE_MAX_LENGTH) String> allow = new ArrayList<>();

    @JsonPropertyDescription("Host rules that are refused even when an allow rule matches (deny beats allow).")
    @Size(max = 256)
    @ValidationRule(value = Validation.ALL_HOST_RULES, message = "spec.egress.deny: " + Validation.HOST_RULE_HELP)
    private List<@Size(max = Validation.HOST_RULE_MAX_LENGTH) String> deny = new ArrayList<>();

    @JsonPropertyDescription("How the agent is kept from bypassing the proxy, overriding the operator's enforcement"
            + " mode. Iptables: an init container lets only the sidecars leave the pod (not on gVisor, where the"
            + " NetworkPolicy alone applies and the condition EgressReady says so). NetworkPolicy: the pod's"
            + " NetworkPolicy only; weaker than Iptables, so refused unless the operator allows weaker enforcement."
            + " Omitted: the operator's mode.")
    private EgressEnforcement enforcement;

    public List<String> getAllow() {
        return allow;
    }

    public void setAllow(List<String> allow) {
        this.allow = allow == null ? new ArrayList<>() : allow;
    }

    public List<String> getDeny() {
        return deny;
    }

    public void setDeny(List<String> deny) {
        this.deny = deny == null ? new ArrayList<>() : deny;
    }

    /** Null: the operator's enforcement mode. */
    public EgressEnforcement getEnforcement() {
        return enforcement;
    }

    public void setEnforcement(EgressEnforcement enforcement) {
        this.enforcement = enforcement;
    }
}
