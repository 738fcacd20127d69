package dev.agentsandbox.operator.status;

import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

/** Builds conditions per the Kubernetes API conventions. */
final class Conditions {

    private Conditions() {
    }

    /** {@code lastTransitionTime} moves only when the status changes; reason and message follow the present. */
    static SandboxCondition of(List<SandboxCondition> previous, String type, boolean status, String reason,
                               String message, long generation, Instant now) {
        String statusText = status ? SandboxCondition.TRUE : SandboxCondition.FALSE;
        String transition = previous.stream()
                .filter(c -> type.equals(c.type()) && statusText.equals(c.status()))
                .map(SandboxCondition::lastTransitionTime)
                .filter(Objects::nonNull)
                .findFirst()
                // Whole seconds, as Kubernetes writes its own condition times (metav1.Time).
                .orElse(now.truncatedTo(ChronoUnit.SECONDS).toString());
        return new SandboxCondition(type, statusText, reason, message, transition, generation);
    }
}
