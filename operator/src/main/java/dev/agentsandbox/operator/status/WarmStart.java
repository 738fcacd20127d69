package dev.agentsandbox.operator.status;

/**
 * How a sandbox of a template got its pod, decided once at its creation: a warm pod of a pool ({@code Adopted}),
 * or a cold start and why ({@code NoPool}, {@code PoolEmpty}). Becomes the {@code WarmStart} condition, so "why
 * was I cold-started" is answered on the sandbox itself.
 *
 * @param slot the adopted slot; null for a cold start
 */
public record WarmStart(boolean adopted, String reason, String message, String slot) {

    public static final String TYPE = "WarmStart";
    public static final String ADOPTED = "Adopted";
    public static final String NO_POOL = "NoPool";
    public static final String POOL_EMPTY = "PoolEmpty";

    public static WarmStart adopted(String slot, String message) {
        return new WarmStart(true, ADOPTED, message, slot);
    }

    public static WarmStart cold(String reason, String message) {
        return new WarmStart(false, reason, message, null);
    }
}
