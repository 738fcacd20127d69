package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.proxy.policy.AddressGuard;
import dev.agentsandbox.sidecar.proxy.policy.Denial;
import dev.agentsandbox.sidecar.proxy.policy.EgressPolicy;
import dev.agentsandbox.sidecar.proxy.policy.HostVerdict;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The egress decision in its three steps, each in one place: the policy judges the name and port
 * ({@link EgressPolicy#decide}), the name is resolved ({@link HostResolver}), and every resolved address is checked
 * ({@link AddressGuard#check}); the result is a {@link CheckedDestination} that {@link UpstreamDialer} dials as is.
 */
public final class EgressGate {

    private final Supplier<EgressPolicy> policy;
    private final HostResolver resolver;

    /** @param policy the policy in force; read once per admission so a reload applies to the next request */
    public EgressGate(Supplier<EgressPolicy> policy, HostResolver resolver) {
        this.policy = policy;
        this.resolver = resolver;
    }

    /** Judges {@code host:port}; completes on a resolver thread (or at once) — hop back to your event loop. */
    public CompletableFuture<Admission> admit(String host, int port) {
        EgressPolicy current = policy.get();
        HostVerdict verdict = current.decide(host, port);
        if (!verdict.isAllowed()) {
            return CompletableFuture.completedFuture(new Admission(verdict.host(), port, null, verdict.denial(), null));
        }
        if (verdict.literal() != null) {
            return CompletableFuture.completedFuture(check(current, verdict, port, List.of(verdict.literal())));
        }
        return resolver.resolve(verdict.host()).handle((addresses, error) -> {
            if (error != null || addresses == null || addresses.isEmpty()) {
                return new Admission(verdict.host(), port, null, null, "cannot resolve " + verdict.host());
            }
            return check(current, verdict, port, addresses);
        });
    }

    /** Every address must pass, so a DNS answer mixing a public and a private address is refused. */
    private static Admission check(EgressPolicy policy, HostVerdict verdict, int port, List<InetAddress> addresses) {
        for (InetAddress address : addresses) {
            Denial denial = policy.guard().check(address, port);
            if (denial != null) {
                return new Admission(verdict.host(), port, null, denial, null);
            }
        }
        CheckedDestination destination = new CheckedDestination(verdict.host(), port, addresses.get(0), verdict.rule(),
                verdict.credential());
        return new Admission(verdict.host(), port, destination, null, null);
    }
}
