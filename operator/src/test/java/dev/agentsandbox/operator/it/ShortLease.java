package dev.agentsandbox.operator.it;

/**
 * A shorter Lease than production's for the tests whose operator dies without releasing it (SIGKILL): its successor
 * takes over once it expires, in 6s rather than production's 15s. Every operator of such a test gets it: the dead
 * holder writes the duration the successor waits out.
 */
final class ShortLease {

    static final String SETTING = "agentsandbox.leader-election.lease-duration";
    /** Renewed within 4s, tried every 0.8s: far above an API server round trip, even on a loaded machine. */
    static final String DURATION = "6s";

    private ShortLease() {
    }
}
