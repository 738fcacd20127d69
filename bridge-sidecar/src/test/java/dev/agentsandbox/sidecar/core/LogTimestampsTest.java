package dev.agentsandbox.sidecar.core;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class LogTimestampsTest {

    @Test
    void writesWhatInstantToStringWrites() {
        long second = Instant.parse("2026-12-06T12:00:00Z").getEpochSecond();
        int[] nanos = {0, 1, 7, 999, 1_000, 120_000, 999_000, 1_000_000, 5_000_000, 100_000_000, 123_456_789,
                123_456_000, 123_000_000, 999_999_999, 10_000_001};
        for (long offset : new long[] {0, 1, 59, 60, 3599, 86_399, 86_400, -1}) {
            for (int nano : nanos) {
                Instant instant = Instant.ofEpochSecond(second + offset, nano);
                assertThat(LogTimestamps.format(instant)).as("%s", instant).isEqualTo(instant.toString());
            }
        }
        SplittableRandom random = new SplittableRandom(18);
        for (int i = 0; i < 10_000; i++) {
            Instant instant = Instant.ofEpochSecond(random.nextLong(0, 253_402_300_799L), random.nextInt(1_000_000_000));
            assertThat(LogTimestamps.format(instant)).as("%s", instant).isEqualTo(instant.toString());
        }
        Instant beyondYear9999 = Instant.ofEpochSecond(253_402_300_800L, 5_000_000);
        assertThat(LogTimestamps.format(beyondYear9999)).isEqualTo(beyondYear9999.toString());
    }
}
