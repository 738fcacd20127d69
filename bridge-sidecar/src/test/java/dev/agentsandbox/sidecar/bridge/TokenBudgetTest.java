package dev.agentsandbox.sidecar.bridge;

import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenBudgetTest {

    @Test
    void requestsPassUntilTheBudgetIsSpent() {
        TokenBudget budget = new TokenBudget(100L);

        assertThat(budget.check(99)).isEmpty();
        assertThat(budget.check(100)).hasValueSatisfying(error -> {
            assertThat(error.status()).isEqualTo(HttpResponseStatus.TOO_MANY_REQUESTS);
            assertThat(error.message()).contains("100 tokens", "spec.model.tokenBudget");
        });
    }

    @Test
    void noBudgetNeverRefuses() {
        assertThat(TokenBudget.UNLIMITED.check(Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void budgetMustBePositive() {
        assertThatThrownBy(() -> new TokenBudget(0L)).hasMessageContaining("greater than 0");
    }

    @Test
    void aLoneRequestMayGoWhileAnyBudgetRemainsEvenIfItMaySpendMore() {
        assertThat(new TokenBudget(100L).admit(99, 0, 0, 5000)).isEmpty();
    }

    @Test
    void aRequestWhoseReservationDoesNotFitNextToTheRunningOnesIsRefused() {
        TokenBudget budget = new TokenBudget(1000L);
        assertThat(budget.admit(100, 700, 3, 200)).isEmpty();
        assertThat(budget.admit(100, 700, 3, 201)).hasValueSatisfying(error -> {
            assertThat(error.status().code()).isEqualTo(429);
            assertThat(error.code()).isEqualTo("token_budget_reserved");
            assertThat(error.message()).contains("1000", "201", "700", "max_tokens");
        });
    }

    @Test
    void noMoreThanTheConcurrencyCapRunsUnderABudget() {
        TokenBudget budget = new TokenBudget(1_000_000L);
        assertThat(budget.admit(0, 0, TokenBudget.MAX_CONCURRENT - 1, 1)).isEmpty();
        assertThat(budget.admit(0, 0, TokenBudget.MAX_CONCURRENT, 1)).hasValueSatisfying(error ->
                assertThat(error.code()).isEqualTo("too_many_concurrent"));
        assertThat(TokenBudget.UNLIMITED.admit(0, 0, 1000, 1)).isEmpty();
    }

    @Test
    void theEstimateIsThePromptBytesPlusTheRequestsOwnLimitOrTheDefault() {
        assertThat(TokenBudget.estimate(400, 50)).isEqualTo(150);
        assertThat(TokenBudget.estimate(400, -1)).isEqualTo(100 + TokenBudget.DEFAULT_COMPLETION_RESERVATION);
    }
}
