package dev.agentsandbox.operator.reconciler;

import com.sun.net.httpserver.HttpServer;
import dev.agentsandbox.operator.status.SidecarStatusReader;
import dev.agentsandbox.sidecar.contract.SidecarPorts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The proxy's and the bridge's {@code /status}, served over real HTTP on loopback with documents a test sets; the
 * operator reads them through its own {@link SidecarStatusReader} (JSON parsing included), pointed here because
 * nothing can listen on the mock pod's IP.
 */
final class FakeSidecars implements AutoCloseable {

    private final HttpServer server;
    private final AtomicReference<Supplier<String>> proxy = new AtomicReference<>(() -> "{\"allowed\":0,\"denied\":0}");
    private final AtomicReference<Supplier<String>> bridge = new AtomicReference<>(
            () -> "{\"requests\":0,\"promptTokens\":0,\"completionTokens\":0}");

    FakeSidecars() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        serve("/proxy/status", proxy);
        serve("/bridge/status", bridge);
        server.start();
    }

    private void serve(String path, AtomicReference<Supplier<String>> document) {
        server.createContext(path, exchange -> {
            byte[] body = document.get().get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
    }

    /** What the proxy's {@code /status} answers from now on. */
    void proxy(String json) {
        proxy.set(() -> json);
    }

    /** A proxy whose every answer is made anew, e.g. with counters that grow on every read. */
    void proxy(Supplier<String> json) {
        proxy.set(json);
    }

    /** What the bridge's {@code /status} answers from now on. */
    void bridge(String json) {
        bridge.set(() -> json);
    }

    /** The operator's reader, pointed at these fakes whatever the pod's IP. */
    SidecarStatusReader reader() {
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        return new SidecarStatusReader() {
            @Override
            protected URI endpoint(String podIP, int port) {
                return URI.create(base + (port == SidecarPorts.PROXY_ADMIN ? "/proxy" : "/bridge") + "/status");
            }
        };
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
