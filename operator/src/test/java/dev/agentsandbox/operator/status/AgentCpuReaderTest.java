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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Against a real HTTP server on loopback playing the API server's metrics.k8s.io paths. */
class AgentCpuReaderTest {

    private static final String DISCOVERY = "/apis/metrics.k8s.io/v1beta1";
    private static final String POD = DISCOVERY + "/namespaces/team-a/pods/build-sandbox";
    private static final String SERVED = "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":"
            + "\"metrics.k8s.io/v1beta1\",\"resources\":[{\"name\":\"pods\",\"namespaced\":true,\"kind\":\"PodMetrics\","
            + "\"verbs\":[\"get\",\"list\"]}]}";
    private static final String POD_METRICS = "{\"kind\":\"PodMetrics\",\"apiVersion\":\"metrics.k8s.io/v1beta1\","
            + "\"metadata\":{\"name\":\"build-sandbox\",\"namespace\":\"team-a\"},\"window\":\"15s\",\"containers\":["
            + "{\"name\":\"egress-proxy\",\"usage\":{\"cpu\":\"900m\",\"memory\":\"120Mi\"}},"
            + "{\"name\":\"agent\",\"usage\":{\"cpu\":\"850123n\",\"memory\":\"52Mi\"}}]}";
    private static final Duration RECHECK = Duration.ofMinutes(5);

    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> asked = new ConcurrentHashMap<>();
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
        server.start();
        client = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + server.getAddress().getPort()).withRequestRetryBackoffLimit(0)
                .build()).build();
        reader = new AgentCpuReader(client, RECHECK, clock);
    }

    @AfterEach
    void stop() {
        release.countDown();
        client.close();
        server.stop(0);
    }

    @Test
    void readsTheAgentContainersCpuInCores() {
        answers.put(DISCOVERY, new Answer(200, SERVED));
        answers.put(POD, new Answer(200, POD_METRICS));

        CpuSample sample = reader.read("team-a", "build-sandbox", "agent");

        assertThat(sample.cores()).isEqualByComparingTo(new BigDecimal("0.000850123"));
        assertThat(sample.unavailable()).isNull();
    }

    @Test
    void withoutTheApiEveryReadSaysSoAndDiscoveryIsAskedOncePerRecheck() {
        answers.put(DISCOVERY, new Answer(404, "{\"kind\":\"Status\",\"code\":404,\"reason\":\"NotFound\"}"));

        for (int i = 0; i < 3; i++) {
            assertThat(reader.read("team-a", "build-sandbox", "agent")).isEqualTo(CpuSample.unavailable(
                    "the metrics.k8s.io API is not served (install metrics-server): CPU use does not count as"
                            + " activity"));
        }
        assertThat(asked(DISCOVERY)).isEqualTo(1);
        assertThat(asked(POD)).as("no read of an API that is not there").isZero();

        answers.put(DISCOVERY, new Answer(200, SERVED));
        answers.put(POD, new Answer(200, POD_METRICS));
        clock.advance(RECHECK);

        assertThat(reader.read("team-a", "build-sandbox", "agent").cores()).isNotNull();
        assertThat(asked(DISCOVERY)).as("asked again after the recheck").isEqualTo(2);
    }

    @Test
    void aPodNotMeasuredYetIsNotAnAbsentApi() {
        answers.put(DISCOVERY, new Answer(200, SERVED));
        answers.put(POD, new Answer(404, "{\"kind\":\"Status\",\"code\":404,\"reason\":\"NotFound\",\"message\":"
                + "\"podmetrics.metrics.k8s.io \\\"team-a/build-sandbox\\\" not found\",\"details\":{\"name\":"
                + "\"build-sandbox\",\"group\":\"metrics.k8s.io\",\"kind\":\"pods\"}}"));

        assertThat(reader.read("team-a", "build-sandbox", "agent").unavailable())
                .isEqualTo("the metrics API has no measurement of pod build-sandbox yet: CPU use does not count as"
                        + " activity");
        reader.read("team-a", "build-sandbox", "agent");
        assertThat(asked(DISCOVERY)).isEqualTo(1);
    }

    @Test
    void anApiThatBreaksIsAskedOfDiscoveryAgainAtTheNextRead() {
        answers.put(DISCOVERY, new Answer(200, SERVED));
        answers.put(POD, new Answer(503, "service unavailable"));

        assertThat(reader.read("team-a", "build-sandbox", "agent").unavailable())
                .isEqualTo("the metrics.k8s.io API answered HTTP 503: CPU use does not count as activity");
        answers.put(DISCOVERY, new Answer(503, "service unavailable"));
        assertThat(reader.read("team-a", "build-sandbox", "agent").unavailable())
                .isEqualTo("the metrics.k8s.io API answered HTTP 503: CPU use does not count as activity");
        assertThat(asked(DISCOVERY)).isEqualTo(2);
        assertThat(asked(POD)).isEqualTo(1);
    }

    @Test
    void aContainerWithoutAMeasurementIsNoReading() {
        answers.put(DISCOVERY, new Answer(200, SERVED));
        answers.put(POD, new Answer(200, POD_METRICS));

        assertThat(reader.read("team-a", "build-sandbox", "builder").unavailable())
                .isEqualTo("the metrics API has no measurement of container builder yet: CPU use does not count as"
                        + " activity");
    }

    @Test
    void aMetricsApiThatHangsCostsTheReconcileNoMoreThanTheTimeout() {
        answers.put(DISCOVERY, new Answer(200, SERVED));
        answers.put(POD, new Answer(200, "hang"));
        long started = System.nanoTime();

        CpuSample sample = reader.read("team-a", "build-sandbox", "agent");

        assertThat(sample.unavailable()).startsWith("the metrics.k8s.io API did not answer within 2s");
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .isLessThan(AgentCpuReader.TIMEOUT.multipliedBy(3));
    }

    private int asked(String path) {
        return asked.getOrDefault(path, new AtomicInteger()).get();
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            asked.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
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
