package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.contract.ProxyConfig;
import dev.agentsandbox.sidecar.contract.SidecarConfigJson;
import dev.agentsandbox.sidecar.contract.SidecarPorts;
import dev.agentsandbox.sidecar.core.HostAndPort;
import dev.agentsandbox.sidecar.core.JsonLog;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A proxy started in-process on ephemeral loopback ports, with a test resolver and a captured log. */
final class ProxyFixture implements AutoCloseable {

    /** Names the tests use; none of them exists in real DNS. */
    static final String API = "api.test.example";
    static final String OTHER = "other.test.example";

    final ProxyServer server;
    final Path dir;
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final JsonLog log;

    private ProxyFixture(Path dir, ProxyOptions options, HostResolver resolver, TlsEngine tls) throws Exception {
        this.dir = dir;
        this.log = new JsonLog("proxy", logBytes);
        this.server = new ProxyServer(options, resolver, log, tls);
        server.start();
    }

    static Builder builder(Path dir) {
        return new Builder(dir);
    }

    int port() {
        return server.proxyAddress().getPort();
    }

    int adminPort() {
        return server.adminAddress().getPort();
    }

    Path caCertificate() {
        return dir.resolve("ca").resolve("ca.crt");
    }

    String logs() {
        log.flush();
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    /** A JDK client that uses the proxy and trusts only the given PEM file (the proxy CA or a test CA). */
    HttpClient client(Path trustedPem) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(trustedPem)) {
            int i = 0;
            for (var certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("c" + i++, certificate);
            }
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, factory.getTrustManagers(), null);
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", port())))
                .sslContext(ssl).connectTimeout(Duration.ofSeconds(20)).build();
    }

    /** Sends raw bytes to the proxy and reads until it closes (a 20 s hang guard). */
    String raw(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** Runs curl through the proxy; returns stdout (headers with -i) and fails on a hang. */
    Curl curl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "30", "--http1.1",
                "-x", "http://127.0.0.1:" + port()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("curl hung");
        }
        return new Curl(process.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err, StandardCharsets.UTF_8));
    }

    record Curl(int exit, String out, String err) {

        /** With -i through a proxy, curl prints the CONNECT response first; this is the one after it. */
        String lastResponse() {
            return out.substring(out.lastIndexOf("HTTP/1.1 "));
        }
    }

    /** A port that was free a moment ago. */
    static int freePort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        server.close();
        log.close();
    }

    static final class Builder {
        private final Path dir;
        private ProxyConfig config = new ProxyConfig(null, null, null, null);
        private boolean asFile;
        private final Map<String, List<InetAddress>> names = new HashMap<>();
        private HostResolver resolver;
        private ProxyLimits limits = ProxyLimits.DEFAULTS;
        private Path trustBundle;
        private int listenPort;
        private int adminPort;
        private TlsEngine tls = TlsEngine.detect();

        private Builder(Path dir) {
            this.dir = dir;
        }

        Builder config(ProxyConfig config) {
            this.config = config;
            return this;
        }

        /** Writes the config as a ConfigMap-style mount ({@code proxy.json -> ..data/proxy.json}). */
        Builder configFile() {
            this.asFile = true;
            return this;
        }

        Builder resolve(String name, String... addresses) throws UnknownHostException {
            List<InetAddress> list = new ArrayList<>();
            for (String address : addresses) {
                list.add(InetAddress.getByName(address));
            }
            names.put(name, list);
            return this;
        }

        Builder resolver(HostResolver resolver) {
            this.resolver = resolver;
            return this;
        }

        Builder limits(ProxyLimits limits) {
            this.limits = limits;
            return this;
        }

        /** Fixed ports (e.g. so a rule can name the proxy's own port); 0 for any. */
        Builder ports(int listenPort, int adminPort) {
            this.listenPort = listenPort;
            this.adminPort = adminPort;
            return this;
        }

        /** The TLS engine of interception; by default what the proxy itself would pick here. */
        Builder tls(TlsEngine tls) {
            this.tls = tls;
            return this;
        }

        Builder trustBundle(Path trustBundle) {
            this.trustBundle = trustBundle;
            return this;
        }

        ProxyFixture start() throws Exception {
            Path configFile = null;
            if (asFile) {
                configFile = KubernetesMount.create(dir.resolve("config"), ProxyConfig.FILE_NAME,
                        SidecarConfigJson.write(config));
            }
            HostResolver effective = resolver != null ? resolver : name -> {
                List<InetAddress> found = names.get(name);
                return found == null ? CompletableFuture.failedFuture(new UnknownHostException(name))
                        : CompletableFuture.completedFuture(found);
            };
            ProxyOptions options = new ProxyOptions(new HostAndPort("127.0.0.1", listenPort),
                    new HostAndPort("127.0.0.1", adminPort), configFile, asFile ? null : config, dir.resolve("ca"),
                    trustBundle, SidecarPorts.BRIDGE_PORTS, limits, Duration.ofMillis(200));
            return new ProxyFixture(dir, options, effective, tls);
        }
    }
}
