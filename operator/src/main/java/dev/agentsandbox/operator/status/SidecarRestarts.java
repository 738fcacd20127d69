package dev.agentsandbox.operator.status;

/**
 * The sidecar containers' restart counts in the pod's status (native sidecars: init container statuses), read by the
 * reconciler, which knows the containers' names.
 *
 * @param proxy  the egress proxy's; null when there is no pod or no such container status
 * @param bridge the model bridge's; null likewise
 */
public record SidecarRestarts(Integer proxy, Integer bridge) {

    public static final SidecarRestarts UNKNOWN = new SidecarRestarts(null, null);
}
