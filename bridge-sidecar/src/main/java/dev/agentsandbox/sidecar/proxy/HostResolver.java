package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.proxy.policy.AddressGuard;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Turns a host name into addresses without blocking the caller. Production uses {@link SystemHostResolver};
 * tests map their own names to loopback. Whatever it returns is still checked by the {@link AddressGuard}.
 */
@FunctionalInterface
public interface HostResolver {

    /** Completes with at least one address, or exceptionally when the name does not resolve. */
    CompletableFuture<List<InetAddress>> resolve(String host);
}
