package dev.agentsandbox.operator.plan;

import dev.agentsandbox.operator.api.v1alpha1.SecretKeyRef;

import java.util.List;
import java.util.Optional;

/**
 * A credential with its preset expanded: which Secret key holds the value, where the proxy injects it, and which
 * variable the agent sees set to the placeholder.
 *
 * @param env null when neither the preset nor the spec names a variable
 */
public record ResolvedCredential(String name, SecretKeyRef secretRef, String env, List<InjectionTarget> targets) {

    /** What the agent sees instead of the value. */
    public static final String PLACEHOLDER_VALUE = "proxy-managed";

    public ResolvedCredential {
        targets = List.copyOf(targets);
    }

    public Optional<String> envName() {
        return Optional.ofNullable(env);
    }
}
