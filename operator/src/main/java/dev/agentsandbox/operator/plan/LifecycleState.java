package dev.agentsandbox.operator.plan;

import dev.agentsandbox.operator.api.v1alpha1.LifecycleMode;
import dev.agentsandbox.operator.api.v1alpha1.LifecycleSpec;
import dev.agentsandbox.operator.api.v1alpha1.ShutdownPolicy;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;

/** Where a sandbox is in its lifecycle at a given instant ({@code spec.lifecycle}). */
public record LifecycleState(Stage stage, Duration untilShutdown) {

    public enum Stage {
        RUNNING,
        PAUSED,
        /** shutdownTime passed with shutdownPolicy Pause: like PAUSED, for good. */
        EXPIRED,
        /** shutdownTime passed with shutdownPolicy Delete: the AgentSandbox itself is to be deleted. */
        EXPIRED_DELETE
    }

    public static LifecycleState at(LifecycleSpec lifecycle, Instant now) {
        if (lifecycle == null) {
            return new LifecycleState(Stage.RUNNING, null);
        }
        Optional<Instant> shutdown = Optional.ofNullable(lifecycle.getShutdownTime())
                .map(t -> OffsetDateTime.parse(t).toInstant());
        if (shutdown.isPresent() && !now.isBefore(shutdown.get())) {
            return new LifecycleState(lifecycle.getShutdownPolicy() == ShutdownPolicy.DELETE
                    ? Stage.EXPIRED_DELETE : Stage.EXPIRED, null);
        }
        Stage stage = lifecycle.getMode() == LifecycleMode.PAUSED ? Stage.PAUSED : Stage.RUNNING;
        return new LifecycleState(stage, shutdown.map(s -> Duration.between(now, s)).orElse(null));
    }

    public boolean podWanted() {
        return stage == Stage.RUNNING;
    }

    /** How long until the reconcile that enforces shutdownTime; empty when there is none ahead. */
    public Optional<Duration> nextShutdownCheck() {
        return Optional.ofNullable(untilShutdown);
    }
}
