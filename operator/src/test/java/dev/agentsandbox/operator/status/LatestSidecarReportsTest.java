package dev.agentsandbox.operator.status;

import com.sun.net.httpserver.HttpServer;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link SidecarReports} against a real HTTP server on loopback standing in for a pod's proxy: a reconcile thread
 * asking for a sandbox's reports never waits for the pod, whether it answers slowly or never.
 */
class LatestSidecarReportsTest {

    private static final ResourceID SANDBOX = new ResourceID("s", "team-a");

    private HttpServer server;
    private final AtomicReference<String> answer = new AtomicReference<>("{\"allowed\":1,\"denied\":0}");
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean hang;
    private final List<ResourceID> changed = new CopyOnWriteArrayList<>();
    private SidecarReports reports;

    @BeforeEach
    void proxy() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.createContext("/status", exchange -> {
            if (hang) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] bytes = answer.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        reports = new SidecarReports(new SidecarStatusReader() {
            @Override
            protected URI endpoint(String podIP, int port) {
                return URI.create(base + "/status");
            }
        });
        reports.onChange(changed::add);
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    @Test
    void aPodThatNeverAnswersCostsTheCallerNothing() {
        hang = true;

        // The HTTP client's first use (threads, classes) is not what is measured.
        reports.latest(new ResourceID("warm-up", "team-a"), "10.0.0.0", true);

        long started = System.nanoTime();
        for (int i = 1; i <= 20; i++) {
            assertThat(reports.latest(new ResourceID("s-" + i, "team-a"), "10.0.0." + i, true))
                    .isEqualTo(SidecarReports.Latest.NOTHING);
        }
        // Twenty pods that hang: a caller that waited would wait the reader's timeout for each, 20 s and more; the
        // bound leaves room for a loaded machine.
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .isLessThan(SidecarStatusReader.TIMEOUT.multipliedBy(2));
        // The reads give up on their own; nothing was learnt, so no sandbox is reconciled for it.
        await().pollDelay(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(changed).isEmpty());
    }

    @Test
    void anAnswerIsTheNextReconcilesAndOnlyANewOneAsksForIt() {
        assertThat(reports.latest(SANDBOX, "10.0.0.1", false)).isEqualTo(SidecarReports.Latest.NOTHING);
        await().atMost(Duration.ofSeconds(5)).until(() -> changed.size() == 1);
        assertThat(reports.latest(SANDBOX, "10.0.0.1", false).egress().allowed()).isEqualTo(1L);

        // The same answer again: no reconcile asked for.
        await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(changed).hasSize(1));
        answer.set("{\"allowed\":2,\"denied\":0}");
        reports.latest(SANDBOX, "10.0.0.1", false);
        await().atMost(Duration.ofSeconds(5)).until(() -> changed.size() == 2);
        assertThat(reports.latest(SANDBOX, "10.0.0.1", false).egress().allowed()).isEqualTo(2L);
        assertThat(changed).containsOnly(SANDBOX);
    }

    @Test
    void aNewPodStartsFromNothingAndAGoneSandboxIsForgotten() {
        reports.latest(SANDBOX, "10.0.0.1", false);
        await().atMost(Duration.ofSeconds(5)).until(() -> changed.size() == 1);

        // Another pod of the same sandbox: its predecessor's counters are not its own.
        assertThat(reports.latest(SANDBOX, "10.0.0.2", false)).isEqualTo(SidecarReports.Latest.NOTHING);
        await().atMost(Duration.ofSeconds(5)).until(() -> changed.size() == 2);

        reports.forget(SANDBOX);
        assertThat(reports.size()).isZero();
        assertThat(reports.latest(SANDBOX, "10.0.0.2", false)).isEqualTo(SidecarReports.Latest.NOTHING);
    }
}
