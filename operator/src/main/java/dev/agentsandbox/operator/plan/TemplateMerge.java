package dev.agentsandbox.operator.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxSpec;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxTemplate;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.util.Iterator;
import java.util.Map;

/**
 * The one place a template becomes a sandbox's effective spec: the template's spec, with what the sandbox sets on
 * top of it. The API server lets a sandbox with {@code spec.templateRef} set only fields that leave the pod as it
 * is ({@code lifecycle}, {@code model.tokenBudget}); their objects merge field by field over the template's (so a
 * template's lifecycle defaults survive a sandbox that sets only {@code lifecycle.mode}). Pure: no cluster reads.
 */
public final class TemplateMerge {

    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    private TemplateMerge() {
    }

    /** A copy of {@code sandbox} (its metadata and status) with the merged spec; the sandbox itself is unchanged. */
    public static AgentSandbox effective(AgentSandbox sandbox, AgentSandboxTemplate template) {
        ObjectNode merged = JSON.convertValue(template.getSpec(), ObjectNode.class);
        JsonNode own = sandbox.getSpec() == null ? JSON.convertValue(Map.of(), ObjectNode.class)
                : JSON.convertValue(sandbox.getSpec(), ObjectNode.class);
        for (Iterator<Map.Entry<String, JsonNode>> fields = own.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode base = merged.get(field.getKey());
            if (base instanceof ObjectNode baseObject && field.getValue().isObject()) {
                baseObject.setAll((ObjectNode) field.getValue().deepCopy());
            } else if (!"model".equals(field.getKey())) {
                // A model budget without a model in the template has nothing to limit: no bridge, no tokens.
                merged.set(field.getKey(), field.getValue().deepCopy());
            }
        }
        AgentSandbox effective = new AgentSandbox();
        effective.setMetadata(sandbox.getMetadata());
        effective.setStatus(sandbox.getStatus());
        effective.setSpec(JSON.convertValue(merged, AgentSandboxSpec.class));
        return effective;
    }
}
