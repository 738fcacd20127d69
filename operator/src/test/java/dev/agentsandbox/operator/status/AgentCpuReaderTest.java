package dev.agentsandbox.operator.status;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentsandbox.operator.plan.CpuSample;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Against a real HTTP server on loopback playing the API server's metrics.k8s.io paths. */
class AgentCpuReaderTest {

    private static final String DISCOVERY = "/apis/metrics.k8s.io/v1beta1";
    private static final String LIST = DISCOVERY + "/namespaces/team-a/pods";
    private static final String SELECTOR = "app.kubernetes.io/managed-by=agentsandbox-operator";
    private static final String SERVED = "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":"
            + "\"metrics.k8s.io/v1beta1\",\"resources\":[{\"name\":\"pods\",\"namespaced\":true,\"kind\":\"PodMetrics\","
            + "\"verbs\":[\"get\",\"list\"]}]}";
    private static final String NOT_COUNTED = ": CPU use does not count as activity";
    private static final Duration RECHECK = Duration.ofMinutes(5);
    private static final Duration FRESHNESS = Duration.ofSeconds(60);
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> asked = new ConcurrentHashMap<>();
    private final Map<String, String> selectors = new ConcurrentHashMap<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final MovableClock clock = new MovableClock();
    private HttpServer server;
    private KubernetesClient client;
    private AgentCpuReader reader;

    private record Answer(int status, String body) {
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::answer);
        // A hanging answer must not hold the next request.
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
        client = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + server.getAddress().getPort()).withRequestRetryBackoffLimit(0)
                .build()).build();
        reader = new AgentCpuReader(client, RECHECK, FRESHNESS, TIMEOUT, clock);
    }

    @AfterEach
    void stop() {
        release.countDown();
        client.close();
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }

    @Test
    void readsEachPodsContainersCpuInCoresFromOneListOfTheOperatorsPods() {
        answers.put(DISCOVERY, new Answer(200, SERVED));
        answers.put(LIST, new Answer(200, list(Map.of("build-sandbox", "850123n", "lint-sandbox", "250m"))));

        assertThat(read("build-sandbox", "agent").unavailable()).as("before the first list: no waiting for it")
                .isEqualTo(AgentCpuReader.NO_READING);
        awaitReading("build-sandbox");

        assertThat(read("build-sandbox", "agent").cores()).isEqualByComparingTo(new BigDecimal("0.000850123"));
        assertThat(read("build-sandbox", "agent").unavailable()).isNull();
        assertThat(read("build-sandbox", "egress-proxy").cores()).isEqualByComparingTo(new BigDecimal("0.9"));
        assertThat(read("lint-sandbox", "agent").cores()).isEqualByComparingTo(new BigDecimal("0.25"));
        assertThat(selectors.get(LIST)).as("only the operator's pods are listed").isEqualTo(SELECTOR);
        assertThat(asked(LIST)).isEqualTo(1);
    }

    @Test
    void aNamespaceOfManyPodsCostsOneListPerFreshnessPeriodHoweverOftenItIsRead() {
        Map<String, String> pods = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            pods.put("sandbox-" + i + "-sandbox", (i + 1) + "m");
        }
        answers.put(DISCOVERY, new Answer(200, SERVED));
        answers.put(LIST, new Answer(200, list(pods)));
        answers.put(DISCOVERY + "/namespaces/team-b/pods", new Answer(200, list(Map.of("other-sandbox", "5m"))));

        readAll(pods.keySet());
        awaitReading("sandbox-0-sandbox");
        readAll(pods.keySet());
        assertThat(read("sandbox-199-sandbox", "agent").cores()).isEqualByComparingTo(new BigDecimal("0.2"));
        assertThat(asked(LIST)).as("one list for 600 reads of 200 pods").isEqualTo(1);

        clock.advance(FRESHNESS.minusSeconds(1));
        readAll(pods.keySet());
        assertThat(asked(LIST)).as("still fresh").isEqualTo(1);

        clock.advance(Duration.ofSeconds(1));
        readAll(pods.keySet());
        await().atMost(Duration.ofSeconds(10)).until(() -> asked(LIST) == 2);
        readAll(pods.keySet());
        assertThat(read("sandbox-0-sandbox", "agent").cores()).as("the older snapshot until the new one is there")
                .isNotNull();
        assertThat(asked(LIST)).as("one list per freshness period").isEqualTo(2);

        reader.read("team-b", SELECTOR, "other-sandbox", "agent");
        await().atMost(Duration.ofSeconds(10)).until(() -> reader.read("team-b", SELECTOR, "other-sandbox", "agent")
                .cores() != null);
        assertThat(asked(DISCOVERY + "/namespaces/team-b/pods")).as("each namespace its own list").isEqualTo(1);
        assertThat(asked(DISCOVERY)).as("discovery once per recheck").isEqualTo(1);
    }

    @Test
    void aSnapshotOlderThanAFewFreshnessPeriodsIsNotUsed() {
        listed(Map.of("build-sandbox", "850m"), "build-sandbox");

        // Nothing read the namespace for a while (its sandboxes were paused): the old use of a pod of the same name
        // must not count as activity now.
        clock.advance(FRESHNESS.multipliedBy(AgentCpuReader.UNUSABLE_AFTER));

        assertThat(read("build-sandbox", "agent").unavailable()).isEqualTo(AgentCpuReader.NO_READING);
        awaitReading("build-sandbox");
        assertThat(asked(LIST)).isEqualTo(2);
    }

    @Test
    void aNamespaceNoLongerReadLosesItsSnapshot() {
        answers.put(DISCOVERY, new Answer(200, SERVED));
        answers.put(LIST, new Answer(200, list(Map.of("build-sandbox", "850m"))));
        answers.put(DISCOVERY + "/namespaces/team-b/pods", new Answer(200, list(Map.of("other-sandbox", "5m"))));
        read("build-sandbox", "agent");
        reader.read("team-b", SELECTOR, "other-sandbox", "agent");
        awaitReading("build-sandbox");
        await().atMost(Duration.ofSeconds(10)).until(() -> reader.read("team-b", SELECTOR, "other-sandbox", "agent")
                .cores() != null);
        assertThat(reader.size()).isEqualTo(2);

        // team-b's sandboxes are gone; team-a's are still read.
        clock.advance(FRESHNESS.multipliedBy(AgentCpuReader.UNUSABLE_AFTER));
        read("build-sandbox", "agent");

        assertThat(reader.size()).isEqualTo(1);
    }

    @Test
    void withoutTheApiEveryReadSaysSoAndDiscoveryIsAskedOncePerRecheck() {
        answers.put(DISCOVERY, new Answer(404, "{\"kind\":\"Status\",\"code\":404,\"reason\":\"NotFound\"}"));
        String notServed = "the metrics.k8s.io API is not served (install metrics-server)" + NOT_COUNTED;

        read("build-sandbox", "agent");
        await().atMost(Duration.ofSeconds(10)).until(() -> notServed.equals(read("build-sandbox", "agent")
                .unavailable()));
        for (int i = 0; i < 3; i++) {
            clock.advance(FRESHNESS);
            read("build-sandbox", "agent");
            await().atMost(Duration.ofSeconds(10)).until(() -> notServed.equals(read("build-sandbox", "agent")
                    .unavailable()));
        }
        assertThat(asked(DISCOVERY)).isEqualTo(1);
        assertThat(asked(LIST)).as("no list of an API that is not there").isZero();

        answers.put(DISCOVERY, new Answer(200, SERVED));
        answers.put(LIST, new Answer(200, list(Map.of("build-sandbox", "850m"))));
        clock.advance(RECHECK);

        read("build-sandbox", "agent");
        awaitReading("build-sandbox");
        assertThat(asked(DISCOVERY)).as("asked again after the recheck").isEqualTo(2);
    }

    @Test
    void aPodNotMeasuredYetIsNotAnAbsentApi() {
        listed(Map.of("lint-sandbox", "10m"), "lint-sandbox");

        assertThat(read("build-sandbox", "agent").unavailable())
                .isEqualTo("the metrics API has no measurement of pod build-sandbox yet" + NOT_COUNTED);
        clock.advance(FRESHNESS);
        read("build-sandbox", "agent");
        await().atMost(Duration.ofSeconds(10)).until(() -> asked(LIST) == 2);
        assertThat(asked(DISCOVERY)).isEqualTo(1);
    }

    @Test
    void anApiThatBreaksIsAskedOfDiscoveryAgainAtTheNextList() {
        answers.put(DISCOVERY, new Answer(200, SERVED));
        answers.put(LIST, new Answer(503, "service unavailable"));
        String broken = "the metrics.k8s.io API answered HTTP 503" + NOT_COUNTED;

        read("build-sandbox", "agent");
        await().atMost(Duration.ofSeconds(10)).until(() -> broken.equals(read("build-sandbox", "agent")
                .unavailable()));
        answers.put(DISCOVERY, new Answer(503, "service unavailable"));
        clock.advance(FRESHNESS);
        read("build-sandbox", "agent");
        await().atMost(Duration.ofSeconds(10)).until(() -> asked(DISCOVERY) == 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> broken.equals(read("build-sandbox", "agent")
                .unavailable()));
        assertThat(asked(LIST)).isEqualTo(1);
    }

    @Test
    void aListTheOperatorMayNotMakeSaysWhichRbacItNeeds() {
        answers.put(DISCOVERY, new Answer(200, SERVED));
        answers.put(LIST, new Answer(403, "{\"kind\":\"Status\",\"code\":403,\"reason\":\"Forbidden\"}"));
        String forbidden = "the metrics.k8s.io API refused to list PodMetrics (HTTP 403: the operator's RBAC needs list"
                + " on pods.metrics.k8s.io)" + NOT_COUNTED;

        read("build-sandbox", "agent");
        await().atMost(Duration.ofSeconds(10)).until(() -> forbidden.equals(read("build-sandbox", "agent")
                .unavailable()));
        clock.advance(FRESHNESS);
        read("build-sandbox", "agent");
        await().atMost(Duration.ofSeconds(10)).until(() -> asked(LIST) == 2);
        assertThat(asked(DISCOVERY)).as("the API is served: no discovery again before the recheck").isEqualTo(1);
    }

    @Test
    void aContainerWithoutAMeasurementIsNoReading() {
        listed(Map.of("build-sandbox", "850m"), "build-sandbox");

        assertThat(read("build-sandbox", "builder").unavailable())
                .isEqualTo("the metrics API has no measurement of container builder yet" + NOT_COUNTED);
    }

    @Test
    void aMetricsApiThatHangsCostsTheCallerNothingAndIsAskedOnceAtATime() {
        answers.put(DISCOVERY, new Answer(200, SERVED));
        answers.put(LIST, new Answer(200, "hang"));
        long started = System.nanoTime();

        for (int i = 0; i < 100; i++) {
            assertThat(read("build-sandbox", "agent").unavailable()).isEqualTo(AgentCpuReader.NO_READING);
        }

        // Before, each read waited for the request's timeout.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("100 reads while the API hangs")
                .isLessThan(TIMEOUT);
        await().atMost(Duration.ofSeconds(10)).until(() -> asked(LIST) == 1);
        clock.advance(FRESHNESS);
        read("build-sandbox", "agent");
        await().atMost(Duration.ofSeconds(10)).until(() -> read("build-sandbox", "agent").unavailable()
                .equals("the metrics.k8s.io API did not answer within 2s" + NOT_COUNTED));
        assertThat(asked(LIST)).as("no second list while one is under way").isEqualTo(1);
    }

    /** The API serves these pods' readings in team-a, and a first read of {@code measured} has waited for them. */
    private void listed(Map<String, String> agentCpu, String measured) {
        answers.put(DISCOVERY, new Answer(200, SERVED));
        answers.put(LIST, new Answer(200, list(agentCpu)));
        read("build-sandbox", "agent");
        awaitReading(measured);
    }

    private CpuSample read(String pod, String container) {
        return reader.read("team-a", SELECTOR, pod, container);
    }

    private void readAll(Iterable<String> pods) {
        for (String pod : pods) {
            read(pod, "agent");
        }
    }

    private void awaitReading(String pod) {
        await().atMost(Duration.ofSeconds(10)).until(() -> read(pod, "agent").cores() != null);
    }

    /** A PodMetricsList of pods whose agent uses {@code agentCpu} and whose proxy uses 900m. */
    private static String list(Map<String, String> agentCpu) {
        return "{\"kind\":\"PodMetricsList\",\"apiVersion\":\"metrics.k8s.io/v1beta1\",\"metadata\":{},\"items\":["
                + agentCpu.entrySet().stream().map(pod -> "{\"metadata\":{\"name\":\"" + pod.getKey()
                        + "\",\"namespace\":\"team-a\",\"labels\":{\"app.kubernetes.io/managed-by\":"
                        + "\"agentsandbox-operator\"}},\"window\":\"15s\",\"containers\":["
                        + "{\"name\":\"egress-proxy\",\"usage\":{\"cpu\":\"900m\",\"memory\":\"120Mi\"}},"
                        + "{\"name\":\"agent\",\"usage\":{\"cpu\":\"" + pod.getValue() + "\",\"memory\":\"52Mi\"}}]}")
                        .collect(Collectors.joining(","))
                + "]}";
    }

    private int asked(String path) {
        return asked.getOrDefault(path, new AtomicInteger()).get();
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            asked.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            String query = exchange.getRequestURI().getQuery();
            if (query != null && query.startsWith("labelSelector=")) {
                selectors.put(path, query.substring("labelSelector=".length()));
            }
            Answer answer = answers.getOrDefault(path, new Answer(404, "{\"kind\":\"Status\",\"code\":404}"));
            if (answer.body().equals("hang")) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(answer.status(), bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    private static final class MovableClock extends Clock {
        private Instant now = Instant.parse("2026-11-01T12:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
