package dev.agentsandbox.operator.plan;

import dev.agentsandbox.operator.api.v1alpha1.CredentialPreset;
import dev.agentsandbox.operator.api.v1alpha1.CredentialSpec;
import dev.agentsandbox.operator.api.v1alpha1.InjectRule;

import java.util.ArrayList;
import java.util.List;

/**
 * Expands {@code spec.credentials[].preset} into injection rules (docs/architecture.md, "The API"). The one place
 * that knows what the major providers expect.
 */
public final class CredentialPresets {

    private CredentialPresets() {
    }

    /** The preset's rules first, then the credential's own inject rules; the spec's env overrides the preset's. */
    public static ResolvedCredential resolve(CredentialSpec credential) {
        List<InjectionTarget> targets = new ArrayList<>();
        String env = null;
        if (credential.getPreset() != null) {
            targets.addAll(targetsOf(credential.getPreset()));
            env = envOf(credential.getPreset());
        }
        for (InjectRule rule : credential.getInject()) {
            // A null format stays null: the sidecar contract's CredentialRule applies the one default.
            targets.add(InjectionTarget.header(rule.getHost(), rule.getHeader(), rule.getFormat()));
        }
        if (credential.getEnv() != null) {
            env = credential.getEnv();
        }
        return new ResolvedCredential(credential.getName(), credential.getSecretRef(), env, targets);
    }

    static List<InjectionTarget> targetsOf(CredentialPreset preset) {
        return switch (preset) {
            case ANTHROPIC -> List.of(InjectionTarget.header("api.anthropic.com", "x-api-key", "%s"));
            case OPENAI -> List.of(InjectionTarget.header("api.openai.com", "Authorization", "Bearer %s"));
            case GOOGLE -> List.of(InjectionTarget.header("generativelanguage.googleapis.com", "x-goog-api-key", "%s"));
            case GITHUB -> List.of(
                    InjectionTarget.header("api.github.com", "Authorization", "Bearer %s"),
                    // git over HTTPS authenticates with basic auth; GitHub takes a token as the password of this user.
                    new InjectionTarget("github.com", "Authorization", "Basic %s", "x-access-token"));
        };
    }

    static String envOf(CredentialPreset preset) {
        return switch (preset) {
            case ANTHROPIC -> "ANTHROPIC_API_KEY";
            case OPENAI -> "OPENAI_API_KEY";
            case GOOGLE -> "GEMINI_API_KEY";
            case GITHUB -> "GH_TOKEN";
        };
    }
}
