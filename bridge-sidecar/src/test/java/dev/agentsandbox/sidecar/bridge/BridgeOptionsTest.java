package dev.agentsandbox.sidecar.bridge;

import dev.agentsandbox.sidecar.contract.BridgeConfig;
import dev.agentsandbox.sidecar.contract.BridgeLimitArgs;
import dev.agentsandbox.sidecar.contract.SidecarArgs;
import dev.agentsandbox.sidecar.contract.SidecarConfigJson;
import dev.agentsandbox.sidecar.contract.SidecarMounts;
import dev.agentsandbox.sidecar.contract.SidecarPorts;
import dev.agentsandbox.sidecar.core.CommandLine.UsageException;
import dev.agentsandbox.sidecar.core.HostAndPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BridgeOptionsTest {

    private static final String UPSTREAM = "http://docker-model-runner.model-runner.svc/engines/llama.cpp";

    @Test
    void flagsMakeTheConfig() {
        BridgeOptions options = BridgeOptions.parse(new String[] {"--upstream", UPSTREAM, "--default-model", "ai/a",
                "--allow-model", "ai/a", "--allow-model=ai/b", "--token-budget", "1000", "--listen", "127.0.0.1:6000",
                "--admin", "127.0.0.1:6001", "--read-timeout", "900", "--connect-timeout", "3"}).orElseThrow();

        assertThat(options.config()).isEqualTo(new BridgeConfig(UPSTREAM, "ai/a", List.of("ai/a", "ai/b"), 1000L));
        assertThat(options.listen()).isEqualTo(new HostAndPort("127.0.0.1", 6000));
        assertThat(options.admin()).isEqualTo(new HostAndPort("127.0.0.1", 6001));
        assertThat(options.readTimeout()).isEqualTo(Duration.ofSeconds(900));
        assertThat(options.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(options.configFile()).isEmpty();
    }

    @Test
    void defaults() {
        BridgeOptions options = BridgeOptions.parse(new String[] {"--upstream", UPSTREAM, "--default-model", "ai/a"})
                .orElseThrow();

        assertThat(options.listen()).isEqualTo(new HostAndPort("127.0.0.1", 54321));
        assertThat(options.admin()).isEqualTo(new HostAndPort("0.0.0.0", 9091));
        assertThat(options.readTimeout()).isEqualTo(Duration.ofSeconds(600));
        assertThat(options.config().tokenBudget()).isNull();
    }

    @Test
    void streamsWithoutUsageAreEstimatedUnlessRefused() {
        assertThat(BridgeOptions.parse(new String[] {"--upstream", UPSTREAM}).orElseThrow().streamWithoutUsage())
                .isEqualTo(UsagelessStreams.Mode.ESTIMATE);
        assertThat(BridgeOptions.parse(new String[] {"--upstream", UPSTREAM, "--stream-without-usage", "refuse"})
                .orElseThrow().streamWithoutUsage()).isEqualTo(UsagelessStreams.Mode.REFUSE);
        assertThatThrownBy(() -> BridgeOptions.parse(new String[] {"--upstream", UPSTREAM,
                "--stream-without-usage", "ignore"}))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("--stream-without-usage").hasMessageContaining("estimate or refuse");
    }

    @Test
    void configFileIsTheOperatorsFormat(@TempDir Path dir) throws Exception {
        BridgeConfig written = new BridgeConfig(UPSTREAM, "ai/a", List.of("ai/a"), 5L);
        Path file = dir.resolve(BridgeConfig.FILE_NAME);
        Files.writeString(file, SidecarConfigJson.write(written));

        BridgeOptions options = BridgeOptions.parse(new String[] {"--config", file.toString()}).orElseThrow();

        assertThat(options.config()).isEqualTo(written);
        assertThat(options.configFile()).contains(file);
    }

    @Test
    void readsTheArgumentsTheOperatorWrites(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(BridgeConfig.FILE_NAME);
        Files.writeString(file, SidecarConfigJson.write(new BridgeConfig(UPSTREAM, "ai/a", List.of(), null)));
        BridgeLimitArgs limits = new BridgeLimitArgs(7, 11, 4096, 8192, 3, 900);
        List<String> containerArgs = SidecarArgs.bridgeInPod(limits);

        assertThat(containerArgs.get(0)).isEqualTo("bridge");
        // The pod's mount path, moved to where this test wrote the file.
        BridgeOptions options = BridgeOptions.parse(containerArgs.subList(1, containerArgs.size()).stream()
                .map(arg -> arg.equals(SidecarMounts.BRIDGE_CONFIG) ? file.toString() : arg)
                .toArray(String[]::new)).orElseThrow();
        assertThat(options.configFile()).contains(file);
        assertThat(options.listen()).isEqualTo(new HostAndPort("127.0.0.1", SidecarPorts.BRIDGE));
        assertThat(options.admin()).isEqualTo(new HostAndPort("0.0.0.0", SidecarPorts.BRIDGE_ADMIN));
        assertThat(options.limits()).isEqualTo(new BridgeLimits(7, Duration.ofSeconds(11), 4096, 8192));
        assertThat(options.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(options.readTimeout()).isEqualTo(Duration.ofSeconds(900));
    }

    @Test
    void withoutLimitFlagsTheContractsDefaultsApply() {
        BridgeOptions options = BridgeOptions.parse(new String[] {"--upstream", UPSTREAM, "--default-model", "ai/a"})
                .orElseThrow();

        assertThat(options.limits()).isEqualTo(BridgeLimits.of(BridgeLimitArgs.DEFAULTS));
        assertThat(options.connectTimeout().toSeconds()).isEqualTo(BridgeLimitArgs.DEFAULTS.connectTimeoutSeconds());
    }

    @Test
    void policyFlagsConflictWithConfig(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(BridgeConfig.FILE_NAME);
        Files.writeString(file, SidecarConfigJson.write(new BridgeConfig(UPSTREAM, "ai/a", null, null)));

        assertThatThrownBy(() -> BridgeOptions.parse(new String[] {"--config", file.toString(), "--allow-model",
                "ai/b"})).isInstanceOf(UsageException.class).hasMessageContaining("--allow-model conflicts with --config");
    }

    @Test
    void badInputIsNamed() {
        assertThatThrownBy(() -> BridgeOptions.parse(new String[0])).hasMessageContaining("--upstream");
        assertThatThrownBy(() -> BridgeOptions.parse(new String[] {"--upstream", UPSTREAM, "--token-budget", "-5"}))
                .hasMessageContaining("--token-budget must be a whole number greater than 0");
        assertThatThrownBy(() -> BridgeOptions.parse(new String[] {"--upstream", UPSTREAM, "--read-timeout", "1m"}))
                .hasMessageContaining("--read-timeout");
        assertThatThrownBy(() -> BridgeOptions.parse(new String[] {"--upstream", UPSTREAM, "--listen", "54321"}))
                .hasMessageContaining("--listen");
        assertThatThrownBy(() -> BridgeOptions.parse(new String[] {"--upstream", UPSTREAM, "--alow-model", "x"}))
                .hasMessageContaining("--alow-model");
    }

    @Test
    void helpIsNotAnError() {
        assertThat(BridgeOptions.parse(new String[] {"--help"})).isEmpty();
        assertThat(BridgeOptions.HELP).contains("--config FILE", "--upstream URL", "--default-model", "--allow-model",
                "--token-budget", "--listen", "--admin", "--read-timeout");
    }
}
