package dev.agentsandbox.sidecar.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.operator.testing.ChildProcess;
import dev.agentsandbox.sidecar.Main;
import dev.agentsandbox.sidecar.contract.BridgeConfig;
import dev.agentsandbox.sidecar.contract.SidecarConfigJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bridge as it runs in the pod: its own JVM started through {@code Main} with {@code bridge --config}, the runner
 * named by host name (the production resolver), stopped with SIGTERM.
 */
@Timeout(180)
class BridgeProcessTest extends BridgeHarness {

    /** A hang guard only, longer than the harness's: a JVM of its own starts and stops here. */
    private static final Duration PROCESS_GUARD = Duration.ofSeconds(60);

    @Test
    void runsFromTheCommandLineWithAConfigFileAndStopsOnSigterm(@TempDir Path dir) throws Exception {
        runner.respondJson("/engines/llama.cpp/v1/chat/completions", chatCompletion(QWEN, 8, 2));
        Path config = dir.resolve(BridgeConfig.FILE_NAME);
        Files.writeString(config, SidecarConfigJson.write(new BridgeConfig(
                runner.engineUrl().replace("127.0.0.1", "localhost"), QWEN, null, 1000L)));

        try (ChildProcess process = ChildProcess.startJava("bridge", Main.class, List.of("bridge", "--config",
                config.toString(), "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"), dir)) {
            List<String> lines;
            try {
                var started = json(process.awaitLine("\"event\":\"started\"", PROCESS_GUARD));
                String listen = "http://" + started.get("listen").asText();
                String admin = "http://" + started.get("admin").asText();

                HttpResponse<String> chat = send(HttpRequest.newBuilder(URI.create(listen + "/v1/chat/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString("{}")));
                HttpResponse<String> pull = send(HttpRequest.newBuilder(URI.create(listen + "/api/pull"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"ai/evil\"}")));
                HttpResponse<String> status = send(HttpRequest.newBuilder(URI.create(admin + "/status")));

                assertThat(chat.statusCode()).isEqualTo(200);
                assertThat(json(runner.takeRequest().body()).get("model").asText()).isEqualTo(QWEN);
                assertThat(pull.statusCode()).isEqualTo(403);
                JsonNode reported = json(status.body());
                assertThat(reported.get("requests").asLong()).isEqualTo(1);
                assertThat(reported.get("promptTokens").asLong()).isEqualTo(8);
                assertThat(reported.get("completionTokens").asLong()).isEqualTo(2);
                assertThat(reported.get("streamsWithoutUsage").asLong()).isZero();
                assertThat(reported.path("refused").path("path_not_allowed").asLong()).isEqualTo(1);
            } finally {
                assertThat(process.terminate(PROCESS_GUARD)).as("stops on SIGTERM").isTrue();
            }
            lines = process.lines();
            assertThat(lines).anySatisfy(line -> assertThat(line).contains("\"event\":\"inference\"")
                    .contains("\"status\":200").contains("\"promptTokens\":8"));
            assertThat(lines).anySatisfy(line -> assertThat(line).contains("\"event\":\"refused\"")
                    .contains("\"path\":\"/api/pull\""));
            assertThat(lines).anySatisfy(line -> assertThat(line).contains("\"event\":\"stopping\""));
        }
    }

    @Test
    void invalidConfigStopsTheStartWithExitCode2(@TempDir Path dir) throws Exception {
        Path config = dir.resolve(BridgeConfig.FILE_NAME);
        Files.writeString(config, "{\"upstream\":\"" + runner.engineUrl() + "\",\"allowedModel\":[\"x\"]}");

        try (ChildProcess process = ChildProcess.startJava("bridge", Main.class,
                List.of("bridge", "--config", config.toString()), dir)) {
            String error = process.awaitLine("bridge:", PROCESS_GUARD);

            assertThat(error).contains("allowedModel");
            assertThat(process.awaitExit(PROCESS_GUARD)).isEqualTo(2);
        }
    }
}
