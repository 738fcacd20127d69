/**
 * The sidecar configuration format: the one contract between the operator (which writes it into the
 * {@code <sandbox>-sidecar} ConfigMap) and the sidecar program (which reads it from the mounted files).
 *
 * <p>Both sides use these records, so the writer and the reader cannot drift. This package must depend on
 * nothing but the JDK and Jackson: the operator links against it without the proxy's Netty code.
 *
 * <p>Two files, one per role, each watched by its own container:
 * <ul>
 *   <li>{@value dev.agentsandbox.sidecar.config.ProxyConfig#FILE_NAME}: {@link dev.agentsandbox.sidecar.config.ProxyConfig}</li>
 *   <li>{@value dev.agentsandbox.sidecar.config.BridgeConfig#FILE_NAME}: {@link dev.agentsandbox.sidecar.config.BridgeConfig}</li>
 * </ul>
 * Secret values never appear in either file: a credential rule names the file the Secret is mounted at.
 *
 * <p>{@link dev.agentsandbox.sidecar.config.EgressInitArgs} is the third part of the contract: the command line of
 * the {@code egress-init} init container (iptables enforcement mode).
 */
package dev.agentsandbox.sidecar.config;
