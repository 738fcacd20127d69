package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.config.ProxyConfig;
import dev.agentsandbox.sidecar.config.SidecarConfigJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proxy as it runs in the pod: its own JVM started through {@code Main} with {@code proxy --config}, the
 * production resolver, a real curl. {@code localhost} resolves to loopback, which {@code allowCidrs} permits here.
 */
class ProxyProcessTest {

    @Test
    void runsFromTheCommandLineWithAConfigFileAndStopsOnSigterm(@TempDir Path dir) throws Exception {
        try (TestUpstream upstream = TestUpstream.http()) {
            int listen = ProxyFixture.freePort();
            int admin = ProxyFixture.freePort();
            Path config = dir.resolve("proxy.json");
            Files.writeString(config, SidecarConfigJson.write(new ProxyConfig(List.of("localhost:" + upstream.port()),
                    null, List.of("127.0.0.0/8"), null)));
            Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "dev.agentsandbox.sidecar.Main", "proxy",
                    "--config", config.toString(), "--listen", "127.0.0.1:" + listen,
                    "--admin", "127.0.0.1:" + admin, "--ca-dir", dir.resolve("ca").toString())
                    .redirectErrorStream(true).start();
            LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    out.lines().forEach(lines::add);
                } catch (java.io.IOException e) {
                    // The process ended.
                }
            });
            reader.start();
            try {
                String started = null;
                while (started == null || !started.contains("\"event\":\"started\"")) {
                    started = lines.poll(60, TimeUnit.SECONDS);
                    assertThat(started).as("the proxy did not start").isNotNull();
                }
                assertThat(Files.readString(dir.resolve("ca/ca.crt"))).startsWith("-----BEGIN CERTIFICATE-----");

                assertThat(curl(listen, "http://localhost:" + upstream.port() + "/through")).isEqualTo("200");
                assertThat(curl(listen, "http://evil.example/")).isEqualTo("403");
                assertThat(curl(listen, "http://localhost:" + admin + "/status")).isEqualTo("403");
                Process health = new ProcessBuilder("curl", "-sS", "--max-time", "30",
                        "http://127.0.0.1:" + admin + "/healthz").start();
                assertThat(new String(health.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("ok\n");
            } finally {
                process.destroy();
                assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
                reader.join(10_000);
            }
            assertThat(lines).anySatisfy(line -> assertThat(line).contains("\"decision\":\"allow\"")
                    .contains("\"host\":\"localhost\""));
            assertThat(lines).anySatisfy(line -> assertThat(line).contains("\"decision\":\"deny\"")
                    .contains("\"host\":\"evil.example\""));
        }
    }

    private static String curl(int proxyPort, String url) throws Exception {
        Process curl = new ProcessBuilder("curl", "-sS", "--max-time", "30", "-o", "/dev/null", "-w", "%{http_code}",
                "-x", "http://127.0.0.1:" + proxyPort, url).start();
        String code = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        curl.waitFor(60, TimeUnit.SECONDS);
        return code;
    }
}
