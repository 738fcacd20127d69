/**
 * The role-neutral core both sidecar roles (the egress proxy and the model bridge) are built on.
 *
 * <ul>
 *   <li>{@link dev.agentsandbox.sidecar.core.CommandLine}: {@code --option value} parsing with clear errors;</li>
 *   <li>{@link dev.agentsandbox.sidecar.core.HostAndPort}: {@code host:port} listen and target addresses;</li>
 *   <li>{@link dev.agentsandbox.sidecar.core.EventLoops}: the Netty threads, server bind, upstream bootstrap;</li>
 *   <li>{@link dev.agentsandbox.sidecar.core.Relay}: a back-pressured byte pipe between two channels;</li>
 *   <li>{@link dev.agentsandbox.sidecar.core.HttpReplies}: small responses the sidecar writes itself;</li>
 *   <li>{@link dev.agentsandbox.sidecar.core.AdminServer}: {@code /healthz}, {@code /metrics}, {@code /status};</li>
 *   <li>{@link dev.agentsandbox.sidecar.core.FileWatcher}: reload on change of a mounted ConfigMap/Secret file;</li>
 *   <li>{@link dev.agentsandbox.sidecar.core.JsonLog}: one JSON object per log line, never blocking an event loop.</li>
 * </ul>
 */
package dev.agentsandbox.sidecar.core;
