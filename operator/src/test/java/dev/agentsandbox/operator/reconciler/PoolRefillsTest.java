package dev.agentsandbox.operator.reconciler;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class PoolRefillsTest {

    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

    @Test
    void aPoolThatTookPodsHoldsItsRefillAndAGonePoolIsForgotten() {
        PoolRefills refills = new PoolRefills(Duration.ofSeconds(1), Duration.ofSeconds(5));
        ResourceID pool = new ResourceID("tools", "team-a");
        refills.left(pool, 10);

        assertThat(refills.hold(pool, 7, NOW)).as("three pods taken: held").isPresent();

        refills.retain(id -> false);
        assertThat(refills.hold(pool, 7, NOW))
                .as("a pool of the same name made later starts afresh: nothing remembered of the deleted one")
                .isEmpty();
    }
}
