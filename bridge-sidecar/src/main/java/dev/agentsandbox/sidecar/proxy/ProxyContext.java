package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.proxy.policy.EgressPolicy;
import java.util.function.Supplier;

/**
 * What the per-connection handlers share: built once by {@link ProxyServer}.
 *
 * @param policy      the policy in force (swapped on reload)
 * @param gate        policy → resolve → check
 * @param dialer      connects to checked destinations
 * @param recorder    logs, metrics and status of every decision
 * @param credentials the secrets, by rule
 * @param authority   mints the certificates presented to the agent
 * @param upstreamTls verifies the real upstreams
 * @param limits      the abuse bounds
 * @param tunnels     the byte tunnels open now (closed on reload when no longer allowed)
 * @param pool        idle upstream connections of intercepted tunnels, for the next tunnel to the same destination
 */
record ProxyContext(Supplier<EgressPolicy> policy, EgressGate gate, UpstreamDialer dialer, EgressRecorder recorder,
                    CredentialStore credentials, CertificateAuthority authority, UpstreamTls upstreamTls,
                    ProxyLimits limits, OpenTunnels tunnels, UpstreamPool pool) {
}
