package dev.agentsandbox.operator.status;

import java.util.Map;

/**
 * How a sandbox of a template got its pod, decided once at its creation: a warm pod of a pool ({@code Adopted}),
 * or a cold start and why ({@code NoPool}, {@code PoolEmpty}). Becomes the {@code WarmStart} condition, so "why
 * was I cold-started" is answered on the sandbox itself. The decision is kept in the sandbox's annotations (written
 * before anything is built from it), not only in its status: a reconcile that reads a sandbox whose last status
 * write has not reached the cache yet must still know it.
 *
 * @param slot the adopted slot; null for a cold start
 */
public record WarmStart(boolean adopted, String reason, String message, String slot) {

    public static final String TYPE = "WarmStart";
    public static final String ADOPTED = "Adopted";
    public static final String NO_POOL = "NoPool";
    public static final String POOL_EMPTY = "PoolEmpty";
    /** On a sandbox of a template that adopted a pod: the slot its pod, ConfigMap and claim are named after. */
    public static final String SLOT_ANNOTATION = "agentsandbox.dev/warm-slot";
    /** On a sandbox of a template that started cold: why ({@link #NO_POOL} or {@link #POOL_EMPTY}). */
    public static final String COLD_ANNOTATION = "agentsandbox.dev/cold-start";

    public static WarmStart adopted(String slot) {
        return new WarmStart(true, ADOPTED, "adopted the warm pod " + slot + "-sandbox of a pool of the template",
                slot);
    }

    public static WarmStart cold(String reason, String template) {
        String why = NO_POOL.equals(reason) ? "no AgentSandboxPool of template " + template + " in this namespace"
                : "no ready pod of template " + template + " in its pools";
        return new WarmStart(false, reason, why + ": the pod was started cold", null);
    }

    /** The decision recorded on a sandbox; null while there is none (or the sandbox has no template). */
    public static WarmStart recorded(Map<String, String> annotations, String template) {
        if (template == null || annotations == null) {
            return null;
        }
        if (annotations.containsKey(SLOT_ANNOTATION)) {
            return adopted(annotations.get(SLOT_ANNOTATION));
        }
        String cold = annotations.get(COLD_ANNOTATION);
        return cold == null ? null : cold(cold, template);
    }
}
