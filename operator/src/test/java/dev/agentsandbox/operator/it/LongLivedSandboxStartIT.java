package dev.agentsandbox.operator.it;

import dev.agentsandbox.operator.testing.ControlPlaneExtension;
import dev.agentsandbox.operator.testing.EmbeddedControlPlane;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** First of the IT run (failsafe orders classes by {@code @Order}): starts the clock of {@link LongLivedSandboxIT}. */
@ExtendWith(ControlPlaneExtension.class)
@Order(Integer.MIN_VALUE)
class LongLivedSandboxStartIT {

    @Test
    void aSandboxOnKwokIsReadyAtTheStartOfTheRun(EmbeddedControlPlane plane) {
        assumeTrue(plane.isComplete(), plane.binaries().whyIncomplete());
        LongLivedSandbox.create(plane);
    }
}
