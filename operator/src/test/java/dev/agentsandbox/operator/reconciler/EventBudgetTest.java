package dev.agentsandbox.operator.reconciler;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class EventBudgetTest {

    private static final Instant T = Instant.parse("2026-11-01T10:00:00Z");

    private final EventBudget budget = new EventBudget();

    @Test
    void oneEventPerReasonAndKeyPerWindow() {
        assertThat(budget.admit("ns/a", "EgressDenied", "evil.example", T).admitted()).isTrue();
        assertThat(budget.admit("ns/a", "EgressDenied", "evil.example", T.plusSeconds(30)).admitted()).isFalse();
        assertThat(budget.admit("ns/a", "EgressDenied", "other.example", T.plusSeconds(30)).admitted()).isTrue();
        assertThat(budget.admit("ns/a", "EgressDenied", "evil.example", T.plus(EventBudget.WINDOW)).admitted())
                .as("a new window").isTrue();
    }

    @Test
    void atMostTheBudgetPerSandboxPerWindowWhateverTheKeys() {
        long admitted = IntStream.range(0, 100).filter(i -> budget.admit("ns/a", "EgressDenied", "host-" + i,
                T.plusMillis(i)).admitted()).count();

        assertThat(admitted).isEqualTo(EventBudget.PER_WINDOW);
        assertThat(budget.suppressed()).isEqualTo(100 - EventBudget.PER_WINDOW);
        assertThat(budget.admit("ns/b", "EgressDenied", "host-0", T).admitted()).as("another sandbox").isTrue();
    }

    @Test
    void onlyTheFirstEventHeldBackInAWindowIsWorthALogLine() {
        IntStream.range(0, EventBudget.PER_WINDOW).forEach(i -> budget.admit("ns/a", "R", "k" + i, T));

        assertThat(budget.admit("ns/a", "R", "x", T).firstSuppressed()).isTrue();
        assertThat(budget.admit("ns/a", "R", "y", T).firstSuppressed()).isFalse();
    }
}
