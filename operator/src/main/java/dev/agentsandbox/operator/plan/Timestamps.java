package dev.agentsandbox.operator.plan;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** RFC 3339 times as the sidecars and the API server write them; one that does not parse is no time at all. */
public final class Timestamps {

    private Timestamps() {
    }

    public static Optional<Instant> parse(String rfc3339) {
        try {
            return rfc3339 == null ? Optional.empty() : Optional.of(Instant.parse(rfc3339));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
