package dev.agentsandbox.operator.plan;

import dev.agentsandbox.operator.api.v1alpha1.LifecycleMode;
import dev.agentsandbox.operator.api.v1alpha1.LifecycleSpec;
import dev.agentsandbox.operator.api.v1alpha1.ShutdownPolicy;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where a sandbox is in its lifecycle at a given instant ({@code spec.lifecycle}).
 *
 * @param untilShutdown how long until the sandbox expires; null when it has no end ahead
 * @param expiredBy     what ended it (the field and its value, for the Event); null unless expired
 */
public record LifecycleState(Stage stage, Duration untilShutdown, String expiredBy) {

    public enum Stage {
        RUNNING,
        PAUSED,
        /** The end (shutdownTime or activeDeadlineSeconds) passed with shutdownPolicy Pause: like PAUSED, for good. */
        EXPIRED,
        /** The end passed with shutdownPolicy Delete: the AgentSandbox itself is to be deleted. */
        EXPIRED_DELETE
    }

    /** The instant a sandbox's lifetime ends, and the field that says so. */
    private record End(Instant at, String by) {
    }

    /**
     * @param created the sandbox's {@code metadata.creationTimestamp}, from which activeDeadlineSeconds counts (null
     *                before the API server set it: no deadline yet)
     */
    public static LifecycleState at(LifecycleSpec lifecycle, Instant created, Instant now) {
        if (lifecycle == null) {
            return new LifecycleState(Stage.RUNNING, null, null);
        }
        Optional<End> end = Stream.of(
                        Optional.ofNullable(lifecycle.getShutdownTime()).map(t -> new End(
                                OffsetDateTime.parse(t).toInstant(), "spec.lifecycle.shutdownTime " + t)),
                        Optional.ofNullable(lifecycle.getActiveDeadlineSeconds())
                                .flatMap(d -> Optional.ofNullable(created).map(c -> new End(c.plusSeconds(d),
                                        "spec.lifecycle.activeDeadlineSeconds " + d))))
                .flatMap(Optional::stream).min((a, b) -> a.at().compareTo(b.at()));
        if (end.isPresent() && !now.isBefore(end.get().at())) {
            return new LifecycleState(lifecycle.getShutdownPolicy() == ShutdownPolicy.DELETE
                    ? Stage.EXPIRED_DELETE : Stage.EXPIRED, null, end.get().by());
        }
        Stage stage = lifecycle.getMode() == LifecycleMode.PAUSED ? Stage.PAUSED : Stage.RUNNING;
        return new LifecycleState(stage, end.map(e -> Duration.between(now, e.at())).orElse(null), null);
    }

    public boolean podWanted() {
        return stage == Stage.RUNNING;
    }

    /** How long until the reconcile that enforces the sandbox's end; empty when there is none ahead. */
    public Optional<Duration> nextShutdownCheck() {
        return Optional.ofNullable(untilShutdown);
    }
}
