package dev.agentsandbox.sidecar.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentsandbox.sidecar.contract.BridgeStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** curl, a client the bridge did not grow up with, against the bridge. Skipped where curl is not installed. */
@Timeout(120)
class BridgeCurlTest extends BridgeHarness {

    @BeforeAll
    static void needsCurl() {
        boolean installed;
        try {
            installed = new ProcessBuilder("curl", "--version").redirectErrorStream(true).start()
                    .waitFor(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            installed = false;
        }
        assumeTrue(installed, "curl is not installed");
    }

    @Test
    void curlSeesEachEventBeforeTheRunnerWritesTheNext() throws Exception {
        SlowEventStream stream = new SlowEventStream();
        runner.respond("/engines/llama.cpp/v1/chat/completions", stream);
        startBridge(config(null));

        Process curl = new ProcessBuilder("curl", "--silent", "--show-error", "--no-buffer",
                "-H", "Content-Type: application/json",
                "-d", "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"count\"}]}",
                bridgeUrl("/v1/chat/completions")).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<String> data = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(curl.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith("data: ")) {
                    data.add(line);
                    stream.clientRead(line);
                }
            }
        }

        assertThat(curl.waitFor(HANG_GUARD.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(curl.exitValue()).isZero();
        assertThat(stream.stalled()).isFalse();
        assertThat(stream.emittedWhenSeen()).containsExactly(1, 2, 3, 4, 5);
        assertThat(data).last().isEqualTo("data: [DONE]");
        assertThat(totals()).isEqualTo(new BridgeStatus(1, 7, 5, 0));
    }

    @Test
    void bodyOverTenMebibytesIs413(@TempDir Path dir) throws Exception {
        startBridge(config(null));
        Path body = dir.resolve("body.json");
        Files.write(body, new byte[BridgeLimits.DEFAULTS.maxBodyBytes() + 1]);

        CurlResult result = curl("-H", "Content-Type: application/json", "--data-binary", "@" + body,
                bridgeUrl("/v1/embeddings"));

        assertThat(result.status()).isEqualTo(413);
        JsonNode error = json(result.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("body_too_large");
        assertThat(error.get("message").asText()).contains(String.valueOf(BridgeLimits.DEFAULTS.maxBodyBytes()));
        assertThat(runner.pendingRequests()).isZero();
    }

    @Test
    void largeBodyWithoutExpectContinueIs413Too(@TempDir Path dir) throws Exception {
        startBridge(config(null));
        Path body = dir.resolve("body.json");
        Files.write(body, new byte[BridgeLimits.DEFAULTS.maxBodyBytes() + 1]);

        CurlResult result = curl("-H", "Expect:", "--data-binary", "@" + body, bridgeUrl("/v1/embeddings"));

        assertThat(result.status()).isEqualTo(413);
        assertThat(json(result.body()).at("/error/code").asText()).isEqualTo("body_too_large");
    }

    private record CurlResult(int status, String body) {
    }

    /** Runs curl; the body is everything but the last line, which is the status code curl writes last. */
    private static CurlResult curl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "--silent", "--write-out", "\n%{http_code}"));
        command.addAll(List.of(args));
        Process curl = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.waitFor(HANG_GUARD.toSeconds(), TimeUnit.SECONDS)).isTrue();
        int lastNewline = output.lastIndexOf('\n');
        return new CurlResult(Integer.parseInt(output.substring(lastNewline + 1).trim()),
                output.substring(0, lastNewline));
    }
}
