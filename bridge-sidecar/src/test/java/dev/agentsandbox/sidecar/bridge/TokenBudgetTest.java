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
}
