/**
 * What the operator and the sidecar program must agree on, in one place that both compile against, so the writer
 * and the reader cannot drift. This module depends on nothing but the JDK and Jackson.
 *
 * <ul>
 *   <li>The configuration files, one per role, written by the operator into the {@code <sandbox>-sidecar} ConfigMap
 *       and watched by each sidecar: {@link dev.agentsandbox.sidecar.contract.ProxyConfig} and
 *       {@link dev.agentsandbox.sidecar.contract.BridgeConfig}, encoded by
 *       {@link dev.agentsandbox.sidecar.contract.SidecarConfigJson}. Secret values never appear in them: a
 *       {@link dev.agentsandbox.sidecar.contract.CredentialRule} names the file the Secret is mounted at.</li>
 *   <li>The command lines: {@link dev.agentsandbox.sidecar.contract.SidecarArgs} (proxy and bridge) and
 *       {@link dev.agentsandbox.sidecar.contract.EgressInitArgs} (the iptables enforcement mode's init container).</li>
 *   <li>The pod layout: {@link dev.agentsandbox.sidecar.contract.SidecarPorts} (with the admin ports'
 *       {@link dev.agentsandbox.sidecar.contract.AdminPaths}),
 *       {@link dev.agentsandbox.sidecar.contract.SidecarUids}, {@link dev.agentsandbox.sidecar.contract.SidecarMounts}.</li>
 *   <li>The {@code /status} documents the operator copies into the sandbox status:
 *       {@link dev.agentsandbox.sidecar.contract.ProxyStatus}, {@link dev.agentsandbox.sidecar.contract.BridgeStatus}.</li>
 *   <li>The address ranges no sandbox may reach, for the proxy and the NetworkPolicy alike:
 *       {@link dev.agentsandbox.sidecar.contract.ForbiddenRanges}.</li>
 * </ul>
 */
package dev.agentsandbox.sidecar.contract;
