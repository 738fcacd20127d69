package dev.agentsandbox.operator.plan;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;

/**
 * A sandbox with its template applied ({@link TemplateMerge}).
 *
 * @param effective     what the rest of the reconcile works from: the sandbox itself without a template, else the
 *                      template's spec under the sandbox's own fields; the sandbox as written while its template is
 *                      missing (then nothing is built from it)
 * @param templateName  spec.templateRef.name; null without one
 * @param templateFound false only when spec.templateRef names a template that does not exist
 */
public record ResolvedSandbox(AgentSandbox effective, String templateName, boolean templateFound) {

    public boolean templated() {
        return templateName != null;
    }
}
