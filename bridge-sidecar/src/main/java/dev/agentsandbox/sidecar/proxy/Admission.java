package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.proxy.policy.Denial;

/**
 * The outcome of {@link EgressGate#admit}: exactly one of a destination to dial, a denial (403) or a failure to
 * resolve (502).
 *
 * @param host        the normalised host
 * @param port        the target port
 * @param destination the checked address, when admitted
 * @param denial      why it was refused, when denied
 * @param failure     why it could not be judged (DNS), when failed
 */
public record Admission(String host, int port, CheckedDestination destination, Denial denial, String failure) {

    public boolean isAdmitted() {
        return destination != null;
    }
}
