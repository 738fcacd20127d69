package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.contract.CredentialRule;
import dev.agentsandbox.sidecar.contract.ProxyStatus;
import dev.agentsandbox.sidecar.contract.ProxyStatus.CredentialAnswer;
import dev.agentsandbox.sidecar.core.JsonLog;
import dev.agentsandbox.sidecar.proxy.policy.Denial;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * Records every egress decision once, in all three places it must appear: a JSON log line, the Prometheus
 * metrics, and the {@code /status} counters. Nothing recorded here may carry a secret or request content: only
 * host, port, rule, reason and the client address.
 */
final class EgressRecorder {

    /** Hosts are chosen by the (untrusted) agent: cap the metric label values so it cannot exhaust memory. */
    private static final int MAX_HOST_LABELS = 200;
    private static final int LAST_DENIED = 10;
    private static final String OTHER_HOSTS = "_other";

    private final MeterRegistry registry;
    private final JsonLog log;
    private final Set<String> hostLabels = ConcurrentHashMap.newKeySet();
    private final AtomicLong allowed = new AtomicLong();
    private final AtomicLong denied = new AtomicLong();
    private final ArrayDeque<ProxyStatus.DeniedHost> lastDenied = new ArrayDeque<>();
    /** Denials per host, bounded: the agent chooses the hosts. */
    private final Map<String, ProxyStatus.HostDenials> deniedHosts = new ConcurrentHashMap<>();
    /** Requests that carried an injected credential, per credential host (the policy's, so few). */
    private final Map<String, AtomicLong> injected = new ConcurrentHashMap<>();
    /** Keyed by host; hosts come from the policy's credential rules (only those are intercepted), so few. */
    private final Map<String, CredentialAnswer> credentialAnswers = new ConcurrentHashMap<>();
    /** The agent's latest request or connection, allowed or not: what idle suspend measures. */
    private final AtomicReference<Instant> lastActivity = new AtomicReference<>();
    private final AtomicInteger activeTunnels = new AtomicInteger();
    private final Counter tunnelsOpened;
    private final Counter connectionsRejected;
    private final Timer connectLatency;
    private final Counter upstreamReused;
    private final Timer responseLatency;
    /**
     * The per-host counters, found here instead of through the registry on every request: a registry lookup builds
     * and sorts the meter's tags each time. Bounded like the host labels.
     */
    private final Map<CounterKey, Counter> counters = new ConcurrentHashMap<>();

    /** A per-host counter: its name, its other tag's value (decision or direction) and the host label. */
    private record CounterKey(String name, String qualifier, String host) {
    }

    EgressRecorder(MeterRegistry registry, JsonLog log) {
        this.registry = registry;
        this.log = log;
        Gauge.builder("agentsandbox_proxy_tunnels_active", activeTunnels, AtomicInteger::get)
                .description("open CONNECT tunnels (plain and intercepted)").register(registry);
        this.tunnelsOpened = Counter.builder("agentsandbox_proxy_tunnels_opened")
                .description("CONNECT tunnels opened since start").register(registry);
        this.connectionsRejected = Counter.builder("agentsandbox_proxy_connections_rejected")
                .description("client connections refused by a limit").register(registry);
        this.upstreamReused = Counter.builder("agentsandbox_proxy_upstream_reused")
                .description("upstream connections an intercepted tunnel took from the pool instead of dialling")
                .register(registry);
        this.connectLatency = Timer.builder("agentsandbox_proxy_upstream_latency")
                .description("upstream TCP connect time, and time to the first response of an upstream connection")
                .tag("phase", "connect").register(registry);
        this.responseLatency = Timer.builder("agentsandbox_proxy_upstream_latency")
                .description("upstream TCP connect time, and time to the first response of an upstream connection")
                .tag("phase", "response").register(registry);
    }

    void allowed(String kind, String host, int port, String rule, String client) {
        allowed.incrementAndGet();
        lastActivity.set(Instant.now());
        requests("allow", host).increment();
        log.info("egress").field("decision", "allow").field("kind", kind).field("host", host).field("port", port)
                .field("rule", rule).field("client", client).write();
    }

    void denied(String kind, String host, int port, Denial denial, String client) {
        denied.incrementAndGet();
        Instant now = Instant.now();
        lastActivity.set(now);
        String at = now.truncatedTo(ChronoUnit.SECONDS).toString();
        requests("deny", host).increment();
        synchronized (lastDenied) {
            if (lastDenied.size() == LAST_DENIED) {
                lastDenied.removeLast();
            }
            lastDenied.addFirst(new ProxyStatus.DeniedHost(host, at));
        }
        String key = deniedHosts.containsKey(host) || deniedHosts.size() < ProxyStatus.MAX_DENIED_HOSTS ? host
                : ProxyStatus.OTHER_HOSTS;
        deniedHosts.merge(key, new ProxyStatus.HostDenials(key, denial.reason().code(), 1, at),
                (before, latest) -> new ProxyStatus.HostDenials(key, latest.reason(), before.count() + 1, at));
        log.info("egress").field("decision", "deny").field("kind", kind).field("host", host).field("port", port)
                .field("reason", denial.reason().code()).field("rule", denial.detail()).field("client", client).write();
    }

    /** A request that was allowed but could not be carried out (DNS, connect, TLS): 502/503/504 to the client. */
    void failed(String kind, String host, int port, String error, String client) {
        requests("error", host).increment();
        log.warn("egress").field("decision", "error").field("kind", kind).field("host", host).field("port", port)
                .field("error", error).field("client", client).write();
    }

    /** A request carries the real credential of {@code host}'s rule. */
    void injected(String host) {
        injected.computeIfAbsent(host, h -> new AtomicLong()).incrementAndGet();
    }

    /**
     * The upstream's answer to a request that carried the injected credential: a {@code 401}/{@code 403} is kept
     * (and logged) as the host's last answer until a later success replaces it; answers that say nothing about the
     * credential ({@link CredentialAnswer#isTelling}) are not kept. Never the value, only the rule's name.
     */
    void credentialAnswered(CredentialRule rule, int status) {
        if (!CredentialAnswer.isTelling(status)) {
            return;
        }
        String host = rule.host();
        CredentialAnswer answer = new CredentialAnswer(host, rule.name(), status,
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        CredentialAnswer previous = credentialAnswers.put(host, answer);
        if (answer.rejected()) {
            credentialRejections(host).increment();
            if (previous == null || !previous.rejected() || previous.status() != status) {
                // Once per change of answer: an agent retrying with a refused key must not flood the log.
                log.warn("credential-rejected").field("credential", rule.name()).field("host", host)
                        .field("status", status).write();
            }
        } else if (previous != null && previous.rejected()) {
            log.info("credential-accepted").field("credential", rule.name()).field("host", host)
                    .field("status", status).write();
        }
    }

    /** A connection that broke; only the exception's type is logged (a message could quote request data). */
    void connectionError(String side, Throwable cause, String client) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        log.warn("connection-error").field("side", side).field("error", root.getClass().getSimpleName())
                .field("client", client).write();
    }

    void limitExceeded(String limit, String client) {
        connectionsRejected.increment();
        log.warn("limit-exceeded").field("limit", limit).field("client", client).write();
    }

    /** Counts bytes in one direction for a host; look it up once per connection, not per buffer. */
    Counter bytes(String host, String direction) {
        return counters.computeIfAbsent(new CounterKey("agentsandbox_proxy_bytes", direction, hostLabel(host)),
                key -> Counter.builder(key.name()).description("bytes relayed, by host and direction")
                        .tag("host", key.host())
                        .tag("direction", key.qualifier()).register(registry));
    }

    boolean tryOpenTunnel(int maxTunnels) {
        while (true) {
            int open = activeTunnels.get();
            if (open >= maxTunnels) {
                return false;
            }
            if (activeTunnels.compareAndSet(open, open + 1)) {
                tunnelsOpened.increment();
                return true;
            }
        }
    }

    void tunnelClosed() {
        activeTunnels.decrementAndGet();
    }

    void upstreamConnected(long nanos) {
        connectLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    void upstreamReused() {
        upstreamReused.increment();
    }

    void upstreamResponded(long nanos) {
        responseLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    ProxyStatus status() {
        synchronized (lastDenied) {
            return new ProxyStatus(allowed.get(), denied.get(), List.copyOf(lastDenied), credentialAnswers.values()
                    .stream().sorted(Comparator.comparing(CredentialAnswer::host)).toList(),
                    deniedHosts.values().stream().sorted(Comparator.comparingLong(ProxyStatus.HostDenials::count)
                            .reversed().thenComparing(ProxyStatus.HostDenials::host)).toList(),
                    injected.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                            e -> e.getValue().get())), lastActivity());
        }
    }

    private Counter requests(String decision, String host) {
        return counters.computeIfAbsent(new CounterKey("agentsandbox_proxy_requests", decision, hostLabel(host)),
                key -> Counter.builder(key.name())
                        .description("egress decisions (allow, deny, error) by host").tag("decision", key.qualifier())
                        .tag("host", key.host())
                        .register(registry));
    }

    private String lastActivity() {
        Instant at = lastActivity.get();
        return at == null ? null : at.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private Counter credentialRejections(String host) {
        return Counter.builder("agentsandbox_proxy_credential_rejections")
                .description("401 and 403 answers to requests that carried an injected credential, by host")
                .tag("host", hostLabel(host)).register(registry);
    }

    private String hostLabel(String host) {
        if (hostLabels.contains(host)) {
            return host;
        }
        if (hostLabels.size() < MAX_HOST_LABELS && hostLabels.add(host)) {
            return host;
        }
        return hostLabels.contains(host) ? host : OTHER_HOSTS;
    }
}
