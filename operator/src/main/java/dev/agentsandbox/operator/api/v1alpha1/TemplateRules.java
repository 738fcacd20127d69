package dev.agentsandbox.operator.api.v1alpha1;

/**
 * The messages of the rules that keep a sandbox with {@code spec.templateRef} from changing its template's pod. Each
 * names the field and the two ways out.
 */
final class TemplateRules {

    private static final String FIX = " (it would change the pod, so no warm pod of the template could serve the"
            + " sandbox); remove it, or set it in the template, or drop spec.templateRef";

    static final String AGENT = "spec.agent: a sandbox with spec.templateRef runs its template's agent (image,"
            + " command, env, resources, restartPolicy)" + FIX;
    static final String RUNTIME_CLASS = "spec.runtimeClassName: a sandbox with spec.templateRef runs under its"
            + " template's RuntimeClass" + FIX;
    static final String WORKSPACE = "spec.workspace: a sandbox with spec.templateRef has its template's workspace" + FIX;
    static final String EGRESS = "spec.egress: a sandbox with spec.templateRef has its template's egress rules" + FIX;
    static final String CREDENTIALS = "spec.credentials: a sandbox with spec.templateRef has its template's"
            + " credentials" + FIX;
    static final String MODEL = "spec.model: a sandbox with spec.templateRef may set only spec.model.tokenBudget; the"
            + " model, the allowed models and the runner are its template's" + FIX;

    private TemplateRules() {
    }
}
