/**
 * The {@code agentsandbox.dev/v1alpha1} API: the Java model the CRD under {@code crds/} is generated from.
 *
 * <p>Validation that the API server can do lives here as annotations (OpenAPI keywords and CEL rules), so an
 * invalid AgentSandbox is refused by {@code kubectl apply} with a message that names the field and the fix.
 * Shared CEL fragments are in {@link dev.agentsandbox.operator.api.v1alpha1.Validation}.
 */
package dev.agentsandbox.operator.api.v1alpha1;
