package dev.agentsandbox.operator.status;

import dev.agentsandbox.operator.api.v1alpha1.EgressStatus;
import dev.agentsandbox.operator.plan.ClusterLookup;
import dev.agentsandbox.operator.plan.SandboxPlan;
import dev.agentsandbox.operator.plan.Timestamps;
import dev.agentsandbox.sidecar.contract.ProxyStatus;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Secret;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code CredentialsReady} beyond the input check: the Secret exists, but does the upstream accept its value? The
 * proxy reports, per credential host, the upstream's last telling answer to a request carrying the injected
 * credential ({@code status.egress.credentialAnswers}). A {@code 401}/{@code 403} turns the condition False
 * ({@value #REJECTED}) until a later success replaces it or the credential's Secret changes after it. Only
 * host, status code, time and names are used: the operator never holds a value.
 */
public final class UpstreamCredentials {

    public static final String REJECTED = "UpstreamRejected";
    /** The Event's reason when a rejected credential is accepted again. */
    public static final String ACCEPTED = "UpstreamAccepted";

    /**
     * A credential's Secret and when it last changed.
     *
     * @param changedAt the latest time in the Secret's managed fields; null when unknown
     */
    public record CredentialSecret(String credential, String secret, Instant changedAt) {
    }

    private UpstreamCredentials() {
    }

    /** Each credential of the plan with its Secret's last change, as the informer's cache knows it. */
    public static List<CredentialSecret> secretsOf(SandboxPlan plan, ClusterLookup cluster) {
        return plan.credentials().stream().map(credential -> new CredentialSecret(credential.name(),
                plan.namespace() + "/" + credential.secretRef().getName(), cluster.secret(plan.namespace(),
                        credential.secretRef().getName()).map(UpstreamCredentials::lastChange).orElse(null)))
                .toList();
    }

    /** The input check's verdict, or {@value #REJECTED} when it passed and an upstream refuses a credential now. */
    static CheckResult judge(CheckResult inputCheck, EgressStatus egress, List<CredentialSecret> secrets) {
        if (!inputCheck.passed() || egress == null) {
            return inputCheck;
        }
        List<String> rejections = egress.credentialAnswers().stream()
                .filter(answer -> answer.status() != null && ProxyStatus.CredentialAnswer.isRejection(answer.status()))
                .filter(answer -> !supersededBySecretChange(answer, secrets))
                .sorted(Comparator.comparing(EgressStatus.CredentialAnswer::host))
                .map(answer -> describe(answer, secrets))
                .toList();
        if (rejections.isEmpty()) {
            return inputCheck;
        }
        return CheckResult.failed(inputCheck.conditionType(), REJECTED, String.join("; ", rejections)
                + "; fix the value in the Secret (the condition clears on the next accepted request or when the"
                + " Secret changes)");
    }

    private static String describe(EgressStatus.CredentialAnswer answer, List<CredentialSecret> secrets) {
        String secret = secretOf(answer, secrets).map(s -> ", from Secret " + s.secret()).orElse("");
        // No time here: the message stays the same while the same rejection lasts, so it is announced once.
        return answer.host() + " answered " + answer.status() + " to a request carrying credential "
                + answer.credential() + secret;
    }

    private static boolean supersededBySecretChange(EgressStatus.CredentialAnswer answer,
                                                    List<CredentialSecret> secrets) {
        Optional<Instant> changed = secretOf(answer, secrets).map(CredentialSecret::changedAt);
        Optional<Instant> answered = Timestamps.parse(answer.at());
        // Whole seconds on both sides: a change in the same second as the rejection counts as after it.
        return changed.isPresent() && answered.isPresent() && !changed.get().isBefore(answered.get());
    }

    private static Optional<CredentialSecret> secretOf(EgressStatus.CredentialAnswer answer,
                                                       List<CredentialSecret> secrets) {
        return secrets.stream().filter(s -> s.credential().equals(answer.credential())).findFirst();
    }

    private static Instant lastChange(Secret secret) {
        List<ManagedFieldsEntry> entries = secret.getMetadata().getManagedFields();
        return entries == null ? null : entries.stream().map(ManagedFieldsEntry::getTime).filter(Objects::nonNull)
                .map(Timestamps::parse).flatMap(Optional::stream).max(Comparator.naturalOrder())
                .orElse(null);
    }
}
