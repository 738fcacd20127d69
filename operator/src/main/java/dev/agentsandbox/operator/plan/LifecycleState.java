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
        /**
         * The agent ended for good (spec.agent.restartPolicy Never or OnFailure): nothing is applied or restarted any
         * more, the pod is kept for its logs.
         */
        FINISHED,
        /** The end (shutdownTime or activeDeadlineSeconds) passed with shutdownPolicy Pause: like PAUSED, for good. */
        EXPIRED,
        /**
         * The end passed with shutdownPolicy Delete, or ttlSecondsAfterFinished after the agent's end: the
         * AgentSandbox itself is to be deleted.
         */
        EXPIRED_DELETE
    }

    private static final String TTL_AFTER_FINISHED = "spec.lifecycle.ttlSecondsAfterFinished ";

    /** The instant a sandbox's lifetime ends, the field that says so, and whether it deletes the sandbox. */
    private record End(Instant at, String by, boolean delete) {
    }

    /** For a sandbox whose agent has not ended (or cannot end). */
    public static LifecycleState at(LifecycleSpec lifecycle, Instant created, Instant now) {
        return at(lifecycle, created, null, now);
    }

    /**
     * @param created  the sandbox's {@code metadata.creationTimestamp}, from which activeDeadlineSeconds counts (null
     *                 before the API server set it: no deadline yet)
     * @param finished when the agent ended for good ({@code status.agentExit.finishedAt}); null while it has not
     */
    public static LifecycleState at(LifecycleSpec lifecycle, Instant created, Instant finished, Instant now) {
        if (lifecycle == null) {
            return new LifecycleState(finished == null ? Stage.RUNNING : Stage.FINISHED, null, null);
        }
        boolean deleteAtEnd = lifecycle.getShutdownPolicy() == ShutdownPolicy.DELETE;
        Optional<End> end = Stream.of(
                        Optional.ofNullable(lifecycle.getShutdownTime()).map(t -> new End(
                                OffsetDateTime.parse(t).toInstant(), "spec.lifecycle.shutdownTime " + t, deleteAtEnd)),
                        Optional.ofNullable(lifecycle.getActiveDeadlineSeconds())
                                .flatMap(d -> Optional.ofNullable(created).map(c -> new End(c.plusSeconds(d),
                                        "spec.lifecycle.activeDeadlineSeconds " + d, deleteAtEnd))),
                        // A Job's ttlSecondsAfterFinished: the sandbox goes, whatever shutdownPolicy says.
                        Optional.ofNullable(lifecycle.getTtlSecondsAfterFinished())
                                .flatMap(ttl -> Optional.ofNullable(finished).map(f -> new End(f.plusSeconds(ttl),
                                        TTL_AFTER_FINISHED + ttl, true))))
                .flatMap(Optional::stream).min((a, b) -> a.at().compareTo(b.at()));
        if (end.isPresent() && !now.isBefore(end.get().at())) {
            return new LifecycleState(end.get().delete() ? Stage.EXPIRED_DELETE : Stage.EXPIRED, null,
                    end.get().by());
        }
        Stage stage = finished != null ? Stage.FINISHED
                : lifecycle.getMode() == LifecycleMode.PAUSED ? Stage.PAUSED : Stage.RUNNING;
        return new LifecycleState(stage, end.map(e -> Duration.between(now, e.at())).orElse(null), null);
    }

    public boolean podWanted() {
        return stage == Stage.RUNNING;
    }

    /** The agent ended: its pod stays as it is (not restarted, not deleted) and nothing is applied. */
    public boolean finished() {
        return stage == Stage.FINISHED;
    }

    /** Why the sandbox is deleted now, for its Event; only for {@link Stage#EXPIRED_DELETE}. */
    public String deletion() {
        return expiredBy + (expiredBy.startsWith(TTL_AFTER_FINISHED)
                ? " passed since the agent ended: deleting the sandbox"
                : " passed: deleting the sandbox (shutdownPolicy Delete)");
    }

    /** How long until the reconcile that enforces the sandbox's end; empty when there is none ahead. */
    public Optional<Duration> nextShutdownCheck() {
        return Optional.ofNullable(untilShutdown);
    }
}
