package dev.agentsandbox.operator.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SharedStringsTest {

    @Test
    void anEqualStringComesBackAsTheOneHeld() {
        SharedStrings strings = new SharedStrings(64);
        String first = strings.share(new String("10.0.0.0/8"));

        assertThat(strings.share(new String("10.0.0.0/8"))).isSameAs(first);
        char[] buffer = "..10.0.0.0/8..".toCharArray();
        assertThat(strings.share(buffer, 2, 10)).isSameAs(first);
        assertThat(strings.share(buffer, 2, 9)).isEqualTo("10.0.0.0/").isNotSameAs(first);
    }

    @Test
    void charactersMakeTheSameStringAsTheirString() {
        SharedStrings strings = new SharedStrings(1024);
        for (String value : new String[] {"", "a", "Ready", "2026-12-06T10:00:00Z", "ünïcödé ✓", "\uD83D\uDE00"}) {
            char[] chars = value.toCharArray();
            String parsed = strings.share(chars, 0, chars.length);
            assertThat(parsed).isEqualTo(value);
            assertThat(strings.share(new String(value))).isSameAs(parsed);
        }
    }

    @Test
    void aStringWhoseSlotIsTakenReplacesTheOneThere() {
        SharedStrings strings = new SharedStrings(1); // every string has the same slot
        String a = strings.share(new String("a"));
        String b = strings.share(new String("b"));

        assertThat(strings.share(new String("b"))).isSameAs(b);
        assertThat(strings.share(new String("a"))).isNotSameAs(a); // forgotten: "b" took its slot
    }

    @Test
    void longStringsAreNeverHeld() {
        SharedStrings strings = new SharedStrings(64);
        String tooLong = "x".repeat(SharedStrings.MAX_LENGTH + 1);
        String held = strings.share(new String(tooLong));

        assertThat(strings.share(new String(tooLong))).isEqualTo(held).isNotSameAs(held);
        String longest = "y".repeat(SharedStrings.MAX_LENGTH);
        assertThat(strings.share(new String(longest))).isSameAs(strings.share(new String(longest)));
    }

    @Test
    void theTableIsAPowerOfTwo() {
        assertThatThrownBy(() -> new SharedStrings(100)).isInstanceOf(IllegalArgumentException.class);
    }
}
