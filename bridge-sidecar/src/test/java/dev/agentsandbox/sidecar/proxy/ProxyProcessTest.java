package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.operator.testing.ChildProcess;
import dev.agentsandbox.sidecar.Main;
import dev.agentsandbox.sidecar.contract.ProxyConfig;
import dev.agentsandbox.sidecar.contract.SidecarConfigJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proxy as it runs in the pod: its own JVM started through {@code Main} with {@code proxy --config}, the
 * production resolver, a real curl. {@code localhost} resolves to loopback, which {@code allowCidrs} permits here.
 */
class ProxyProcessTest {

    /** A hang guard only: a JVM of its own starts and stops here. */
    private static final Duration HANG_GUARD = Duration.ofSeconds(60);

    @Test
    void runsFromTheCommandLineWithAConfigFileAndStopsOnSigterm(@TempDir Path dir) throws Exception {
        try (TestUpstream upstream = TestUpstream.http()) {
            int listen = ProxyFixture.freePort();
            int admin = ProxyFixture.freePort();
            Path config = dir.resolve("proxy.json");
            Files.writeString(config, SidecarConfigJson.write(new ProxyConfig(List.of("localhost:" + upstream.port()),
                    null, List.of("127.0.0.0/8"), null)));
            List<String> lines;
            try (ChildProcess process = ChildProcess.startJava("proxy", Main.class, List.of("proxy",
                    "--config", config.toString(), "--listen", "127.0.0.1:" + listen,
                    "--admin", "127.0.0.1:" + admin, "--ca-dir", dir.resolve("ca").toString()), dir)) {
                try {
                    process.awaitLine("\"event\":\"started\"", HANG_GUARD);
                    assertThat(Files.readString(dir.resolve("ca/ca.crt"))).startsWith("-----BEGIN CERTIFICATE-----");

                    assertThat(curl(listen, "http://localhost:" + upstream.port() + "/through")).isEqualTo("200");
                    assertThat(curl(listen, "http://evil.example/")).isEqualTo("403");
                    assertThat(curl(listen, "http://localhost:" + admin + "/status")).isEqualTo("403");
                    Process health = new ProcessBuilder("curl", "-sS", "--max-time", "30",
                            "http://127.0.0.1:" + admin + "/healthz").start();
                    assertThat(new String(health.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                            .isEqualTo("ok\n");
                } finally {
                    assertThat(process.terminate(HANG_GUARD)).as("stops on SIGTERM").isTrue();
                }
                lines = process.lines();
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
