package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.contract.ProxyConfig;
import dev.agentsandbox.sidecar.contract.SidecarConfigJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/** The policy file is a ConfigMap mount: updates arrive as a {@code ..data} symlink swap, without a restart. */
class PolicyReloadTest {

    @Test
    void aChangedPolicyAppliesWithoutRestartAndAnInvalidOneIsRefused(@TempDir Path dir) throws Exception {
        try (TestUpstream upstream = TestUpstream.http();
             ProxyFixture proxy = ProxyFixture.builder(dir)
                     .config(new ProxyConfig(List.of("first.test.example:" + upstream.port()), null,
                             List.of("127.0.0.0/8"), null))
                     .configFile()
                     .resolver(TestNames.loopbackForTestExample())
                     .start()) {
            String first = "http://first.test.example:" + upstream.port() + "/";
            String second = "http://second.test.example:" + upstream.port() + "/";
            assertThat(status(proxy, first)).isEqualTo("200");
            assertThat(status(proxy, second)).isEqualTo("403");

            KubernetesMount.update(dir.resolve("config"), ProxyConfig.FILE_NAME, SidecarConfigJson.write(
                    new ProxyConfig(List.of("second.test.example:" + upstream.port()), null, List.of("127.0.0.0/8"),
                            null)));
            awaitStatus(proxy, second, "200"::equals);
            assertThat(status(proxy, first)).isEqualTo("403");

            KubernetesMount.update(dir.resolve("config"), ProxyConfig.FILE_NAME, "{\"alow\": [\"evil.example\"]}");
            awaitLog(proxy, "policy-rejected");
            assertThat(proxy.logs()).contains("\"event\":\"policy-rejected\"").contains("alow");
            assertThat(status(proxy, second)).isEqualTo("200");
        }
    }

    /**
     * A byte tunnel has no request boundary to re-check at: a reload closes the tunnels to destinations it no
     * longer allows, and leaves the others working.
     */
    @Test
    void aReloadClosesTheTunnelsItNoLongerAllowsAndKeepsTheOthers(@TempDir Path dir) throws Exception {
        try (TestUpstream upstream = TestUpstream.http();
             ProxyFixture proxy = ProxyFixture.builder(dir)
                     .config(new ProxyConfig(List.of("first.test.example:" + upstream.port(),
                             "kept.test.example:" + upstream.port()), null, List.of("127.0.0.0/8"), null))
                     .configFile()
                     .resolver(TestNames.loopbackForTestExample())
                     .start();
             java.net.Socket removed = RawHttp.tunnel(proxy.port(), "first.test.example:" + upstream.port());
             java.net.Socket kept = RawHttp.tunnel(proxy.port(), "kept.test.example:" + upstream.port())) {
            assertThat(getThrough(removed, "/before")).contains("ok /before");

            KubernetesMount.update(dir.resolve("config"), ProxyConfig.FILE_NAME, SidecarConfigJson.write(
                    new ProxyConfig(List.of("kept.test.example:" + upstream.port()), null, List.of("127.0.0.0/8"),
                            null)));
            removed.setSoTimeout(30_000);
            assertThat(removed.getInputStream().read()).as("the removed host's tunnel is closed").isEqualTo(-1);
            assertThat(getThrough(kept, "/after")).contains("ok /after");
            // The decision log is written by a background writer, possibly after the tunnel was seen closed.
            awaitLog(proxy, "\"tunnelsClosed\":1");
            assertThat(proxy.logs()).contains("\"tunnelsClosed\":1");
        }
    }

    private static String getThrough(java.net.Socket tunnel, String path) throws Exception {
        tunnel.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return RawHttp.readUntil(tunnel.getInputStream(), "ok " + path + "\n");
    }

    private static void awaitLog(ProxyFixture proxy, String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!proxy.logs().contains(text) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    private static void awaitStatus(ProxyFixture proxy, String url, Predicate<String> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String last = null;
        while (System.nanoTime() < deadline) {
            last = status(proxy, url);
            if (done.test(last)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("still " + last + " for " + url + " after 30 s");
    }

    private static String status(ProxyFixture proxy, String url) throws Exception {
        return proxy.curl("-o", "/dev/null", "-w", "%{http_code}", url).out();
    }
}
