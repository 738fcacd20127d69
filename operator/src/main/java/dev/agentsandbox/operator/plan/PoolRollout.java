package dev.agentsandbox.operator.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What a pool reconcile does with its unclaimed slots: how many to create and which to delete, so that the pool
 * converges on {@code wanted} ready pods of the template as it is now. Outdated pods (the template changed) are
 * replaced rolling: new ones first, at most {@code maxSurge} beyond {@code wanted}, an outdated ready pod deleted only
 * once the ready pods without it are still {@code wanted}. Pure.
 */
public final class PoolRollout {

    /** One unclaimed, not terminating slot pod. @param upToDate its spec hash is the template's as it is now */
    public record Slot(String name, boolean upToDate, boolean ready) {
    }

    /** @param create how many new slots; @param delete the slots to delete, not-ready ones first */
    public record Decision(int create, List<String> delete) {
    }

    private PoolRollout() {
    }

    public static Decision decide(List<Slot> slots, int wanted, int maxSurge) {
        // Not ready before ready: a warming pod is the cheaper one to lose.
        Comparator<Slot> warmingFirst = Comparator.comparing(Slot::ready);
        List<Slot> current = slots.stream().filter(Slot::upToDate).sorted(warmingFirst).toList();
        List<Slot> outdated = slots.stream().filter(s -> !s.upToDate()).sorted(warmingFirst).toList();
        List<String> delete = new ArrayList<>();

        int excess = Math.max(0, current.size() - wanted);
        current.subList(0, excess).forEach(s -> delete.add(s.name()));
        List<Slot> kept = current.subList(excess, current.size());

        long readyKept = kept.stream().filter(Slot::ready).count();
        long readyOutdated = outdated.stream().filter(Slot::ready).count();
        long readyOutdatedToKeep = Math.max(0, Math.min(readyOutdated, wanted - readyKept));
        long readyOutdatedSeen = 0;
        for (Slot slot : outdated) {
            if (!slot.ready() || ++readyOutdatedSeen > readyOutdatedToKeep) {
                delete.add(slot.name());
            }
        }

        int remaining = slots.size() - delete.size();
        int missing = wanted - kept.size();
        int room = wanted + maxSurge - remaining;
        return new Decision(Math.max(0, Math.min(missing, room)), List.copyOf(delete));
    }
}
