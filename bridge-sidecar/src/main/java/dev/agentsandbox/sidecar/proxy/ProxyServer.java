package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.contract.ProxyConfig;
import dev.agentsandbox.sidecar.contract.SidecarConfigJson;
import dev.agentsandbox.sidecar.core.AdminServer;
import dev.agentsandbox.sidecar.core.EventLoops;
import dev.agentsandbox.sidecar.core.FileWatcher;
import dev.agentsandbox.sidecar.core.HttpFraming;
import dev.agentsandbox.sidecar.core.JsonLog;
import dev.agentsandbox.sidecar.proxy.policy.EgressPolicy;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One running egress proxy: the proxy listener, the admin listener, the interception CA, and the policy that is
 * reloaded when its file changes (an invalid new policy is refused and the old one stays in force).
 */
public final class ProxyServer implements AutoCloseable {

    private final ProxyOptions options;
    private final HostResolver resolver;
    private final JsonLog log;
    private final TlsEngine tls;
    private final AtomicReference<EgressPolicy> policy = new AtomicReference<>();
    private final OpenTunnels tunnels = new OpenTunnels();
    private final UpstreamPool pool = new UpstreamPool();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private EventLoops loops;
    private FileWatcher watcher;
    private EgressRecorder recorder;
    private CredentialStore credentials;
    private Channel listener;
    private InetSocketAddress proxyAddress;
    private InetSocketAddress adminAddress;
    private Set<Integer> ownPorts;
    private Set<InetAddress> localAddresses;
    private CertificateAuthority authority;

    /** A proxy whose interception uses BoringSSL when it loads here, else the JDK's TLS. */
    public ProxyServer(ProxyOptions options, HostResolver resolver, JsonLog log) {
        this(options, resolver, log, TlsEngine.detect());
    }

    ProxyServer(ProxyOptions options, HostResolver resolver, JsonLog log, TlsEngine tls) {
        this.options = options;
        this.resolver = resolver;
        this.log = log;
        this.tls = tls;
    }

    /**
     * Loads the policy (refusing to start on an invalid one), generates the CA and writes its certificate, then
     * listens. Throws with a message naming the problem.
     */
    public void start() throws Exception {
        byte[] configBytes = options.configFile() == null ? null : Files.readAllBytes(options.configFile());
        ProxyConfig config = configBytes == null ? options.inlinePolicy()
                : SidecarConfigJson.readProxy(new String(configBytes, StandardCharsets.UTF_8));
        localAddresses = localInterfaceAddresses();
        ownPorts = new HashSet<>(options.otherOwnPorts());
        ownPorts.add(options.listen().port());
        if (options.admin() != null) {
            ownPorts.add(options.admin().port());
        }
        policy.set(EgressPolicy.from(config, ownPorts, localAddresses));

        recorder = new EgressRecorder(registry, log);
        watcher = new FileWatcher(options.pollInterval(), error -> log.error("watch-failed")
                .field("error", error.getClass().getSimpleName()).write());
        credentials = new CredentialStore(watcher, log);
        credentials.track(config.credentials());

        log.info("tls-engine").field("engine", tls.label()).field("fallbackReason", tls.fallbackReason()).write();
        authority = CertificateAuthority.generate(tls.provider());
        if (options.caDir() != null) {
            Path written = authority.writeCertificate(options.caDir());
            log.info("ca-written").field("file", written.toString()).write();
        }
        UpstreamTls upstreamTls = UpstreamTls.create(options.trustBundle(), tls.provider());
        ProxyContext context = new ProxyContext(policy::get, new EgressGate(policy::get, resolver),
                new UpstreamDialer(options.limits().connectTimeout(), recorder), recorder, credentials, authority,
                upstreamTls, options.limits(), tunnels, pool);

        // One event loop per available core (container-aware): the sidecar runs in every sandbox, keep it small.
        loops = new EventLoops(Runtime.getRuntime().availableProcessors());
        if (options.admin() != null) {
            adminAddress = new AdminServer(registry, recorder::status, () -> listener != null && listener.isActive())
                    .start(loops, options.admin());
            ownPorts.add(adminAddress.getPort());
        }
        listener = loops.listen(options.listen(), clientInitializer(context));
        proxyAddress = (InetSocketAddress) listener.localAddress();
        ownPorts.add(proxyAddress.getPort());
        // Ports chosen by the OS (port 0) are only known now: rebuild so the guard protects them too.
        policy.set(EgressPolicy.from(config, ownPorts, localAddresses));

        if (options.configFile() != null) {
            watcher.watch(options.configFile(), configBytes, this::reload);
        }
        log.info("started").field("listen", proxyAddress.getHostString() + ":" + proxyAddress.getPort())
                .field("admin", adminAddress == null ? null : adminAddress.getHostString() + ":" + adminAddress.getPort())
                .field("allowRules", config.allow().size()).field("credentials", config.credentials().size()).write();
    }

    private ChannelInitializer<SocketChannel> clientInitializer(ProxyContext context) {
        ConnectionLimiter limiter = new ConnectionLimiter(options.limits().maxConnections(), recorder);
        long idleSeconds = options.limits().idleTimeout().toSeconds();
        int maxHeader = options.limits().maxHeaderBytes();
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast("limit", limiter)
                        .addLast("idle", new IdleStateHandler(0, 0, idleSeconds, TimeUnit.SECONDS))
                        .addLast("idle-close", IdleCloser.INSTANCE)
                        .addLast(ProxyFrontend.HTTP_CODEC, HttpFraming.serverCodec(maxHeader, 64 * 1024))
                        .addLast(HeaderDeadline.NAME, new HeaderDeadline(context))
                        .addLast(ProxyFrontend.NAME, new ProxyFrontend(context))
                        .addLast(HttpForwarder.NAME, new HttpForwarder(context, null));
            }
        };
    }

    /** Applies a changed policy file; an invalid one is logged and ignored (the old policy stays). */
    private void reload(byte[] content) {
        try {
            ProxyConfig config = SidecarConfigJson.readProxy(new String(content, StandardCharsets.UTF_8));
            EgressPolicy next = EgressPolicy.from(config, ownPorts, localAddresses);
            credentials.track(config.credentials());
            policy.set(next);
            // Plain HTTP and intercepted requests meet the new policy at their next request; byte tunnels have no
            // request boundary, so those to destinations it no longer allows are closed now.
            int closed = tunnels.closeDisallowed(next);
            // Idle upstream connections are dropped as well: the pool holds only what the policy in force admitted.
            pool.closeAll();
            log.info("policy-reloaded").field("allowRules", config.allow().size())
                    .field("denyRules", config.deny().size()).field("credentials", config.credentials().size())
                    .field("tunnelsClosed", closed).write();
        } catch (RuntimeException e) {
            log.error("policy-rejected").field("error", e.getMessage()).field("kept", "previous policy").write();
        }
    }

    private static Set<InetAddress> localInterfaceAddresses() {
        Set<InetAddress> addresses = new HashSet<>();
        try {
            for (NetworkInterface networkInterface : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                addresses.addAll(Collections.list(networkInterface.getInetAddresses()));
            }
        } catch (SocketException e) {
            // Loopback and wildcard are still recognised without the interface list.
        }
        return addresses;
    }

    public InetSocketAddress proxyAddress() {
        return proxyAddress;
    }

    public InetSocketAddress adminAddress() {
        return adminAddress;
    }

    /** The interception CA's certificate in PEM (what {@code ca.crt} contains). */
    public String caCertificatePem() {
        return CertificateAuthority.pem(authority.certificate());
    }

    /** Blocks until the proxy listener closes. */
    public void awaitClose() throws InterruptedException {
        listener.closeFuture().sync();
    }

    @Override
    public void close() {
        try {
            if (watcher != null) {
                watcher.close();
            }
        } catch (IOException e) {
            // Closing anyway.
        }
        if (loops != null) {
            loops.close();
        }
        log.info("stopped").write();
        log.flush();
    }
}
