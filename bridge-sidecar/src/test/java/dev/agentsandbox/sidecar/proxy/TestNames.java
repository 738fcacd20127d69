package dev.agentsandbox.sidecar.proxy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A resolver for tests: every name under {@code .test.example} is 127.0.0.1, where the test upstreams listen. */
final class TestNames {

    private TestNames() {
    }

    static HostResolver loopbackForTestExample() {
        return name -> name.endsWith(".test.example")
                ? CompletableFuture.completedFuture(List.of(InetAddress.getLoopbackAddress()))
                : CompletableFuture.failedFuture(new UnknownHostException(name));
    }
}
