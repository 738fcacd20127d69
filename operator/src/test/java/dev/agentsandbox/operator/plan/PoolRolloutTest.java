package dev.agentsandbox.operator.plan;

import dev.agentsandbox.operator.plan.PoolRollout.Decision;
import dev.agentsandbox.operator.plan.PoolRollout.Slot;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class PoolRolloutTest {

    private static List<Slot> slots(String prefix, int count, boolean upToDate, boolean ready) {
        return IntStream.range(0, count).mapToObj(i -> new Slot(prefix + i, upToDate, ready)).toList();
    }

    private static List<Slot> concat(List<Slot> a, List<Slot> b) {
        List<Slot> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Test
    void anEmptyPoolCreatesWhatIsWantedWithinTheSurge() {
        assertThat(PoolRollout.decide(List.of(), 10, 2)).isEqualTo(new Decision(10, List.of()));
    }

    @Test
    void aFullPoolDoesNothing() {
        assertThat(PoolRollout.decide(slots("s", 3, true, true), 3, 1)).isEqualTo(new Decision(0, List.of()));
    }

    @Test
    void anAdoptedPodIsRefilled() {
        assertThat(PoolRollout.decide(slots("s", 2, true, true), 3, 1)).isEqualTo(new Decision(1, List.of()));
    }

    @Test
    void scalingDownDeletesWarmingPodsBeforeReadyOnes() {
        List<Slot> slots = concat(slots("ready", 2, true, true), slots("warming", 2, true, false));

        Decision decision = PoolRollout.decide(slots, 2, 1);

        assertThat(decision.create()).isZero();
        assertThat(decision.delete()).containsExactlyInAnyOrder("warming0", "warming1");
    }

    @Test
    void scaledToZeroDeletesEverything() {
        List<Slot> slots = concat(slots("new", 2, true, true), slots("old", 2, false, true));

        assertThat(PoolRollout.decide(slots, 0, 0).delete()).hasSize(4);
    }

    @Test
    void aTemplateChangeFirstSurgesThenReplacesReadyOldPodsOnlyAsNewOnesBecomeReady() {
        List<Slot> old = slots("old", 4, false, true);

        // Step 1: nothing new yet: keep every ready old pod, create up to the surge.
        Decision first = PoolRollout.decide(old, 4, 1);
        assertThat(first).isEqualTo(new Decision(1, List.of()));

        // Step 2: one new pod warming: still keep the old ones (ready count would drop below 4).
        Decision warming = PoolRollout.decide(concat(old, slots("new", 1, true, false)), 4, 1);
        assertThat(warming).isEqualTo(new Decision(0, List.of()));

        // Step 3: the new pod is ready: one old pod goes, and the freed room is used for the next new one.
        Decision replaced = PoolRollout.decide(concat(old, slots("new", 1, true, true)), 4, 1);
        assertThat(replaced.delete()).hasSize(1).allMatch(name -> name.startsWith("old"));
        assertThat(replaced.create()).isEqualTo(1);
    }

    @Test
    void theSurgeBoundsThePodsAtAnyTime() {
        List<Slot> slots = concat(slots("old", 10, false, true), slots("new", 3, true, false));

        Decision decision = PoolRollout.decide(slots, 10, 3);

        int after = slots.size() - decision.delete().size() + decision.create();
        assertThat(after).isLessThanOrEqualTo(13);
    }

    @Test
    void outdatedPodsThatAreNotReadyGoAtOnce() {
        List<Slot> slots = concat(slots("old", 2, false, false), slots("new", 2, true, true));

        Decision decision = PoolRollout.decide(slots, 2, 1);

        assertThat(decision.delete()).containsExactlyInAnyOrder("old0", "old1");
        assertThat(decision.create()).isZero();
    }
}
