/**
 * The {@code egress-init} role: an init container (iptables enforcement mode) that makes the pod's network namespace
 * refuse every outbound packet that does not come from the egress proxy's or the model bridge's UID.
 *
 * <p>A NetworkPolicy applies to the whole pod and cannot tell the agent from the proxy; these rules can, because the
 * kernel knows which UID owns each socket. {@link dev.agentsandbox.sidecar.egressinit.EgressRules} is the only place
 * the rules are written; {@link dev.agentsandbox.sidecar.egressinit.EgressInitCommand} installs them atomically and fails
 * closed.
 */
package dev.agentsandbox.sidecar.egressinit;
