package dev.agentsandbox.operator.dependent;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

import java.util.LinkedHashMap;
import java.util.Map;

/** Names and labels of the objects a sandbox owns (docs/architecture.md, "Reconcile"). */
public final class SandboxObjects {

    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "agentsandbox-operator";
    public static final String SANDBOX_LABEL = "agentsandbox.dev/sandbox";
    /** Selects every object the operator manages: the informers of the owned kinds watch only these. */
    public static final String MANAGED_SELECTOR = MANAGED_BY_LABEL + "=" + MANAGED_BY;

    private SandboxObjects() {
    }

    public static String podName(String sandbox) {
        return sandbox + "-sandbox";
    }

    public static String configMapName(String sandbox) {
        return sandbox + "-sidecar";
    }

    public static String networkPolicyName(String sandbox) {
        return sandbox + "-egress";
    }

    public static String workspaceClaimName(String sandbox) {
        return sandbox + "-workspace";
    }

    public static Map<String, String> labels(String sandbox) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(MANAGED_BY_LABEL, MANAGED_BY);
        labels.put(SANDBOX_LABEL, sandbox);
        return labels;
    }

    /** Name, namespace and labels; the owner reference is added by JOSDK. */
    public static ObjectMeta metadata(String name, String namespace, String sandbox) {
        return new ObjectMetaBuilder().withName(name).withNamespace(namespace).withLabels(labels(sandbox)).build();
    }
}
