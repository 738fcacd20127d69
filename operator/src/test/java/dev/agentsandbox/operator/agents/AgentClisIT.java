package dev.agentsandbox.operator.agents;

import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentPreset;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.CredentialPreset;
import dev.agentsandbox.operator.api.v1alpha1.ModelSpec;
import dev.agentsandbox.operator.dependent.AgentTrust;
import dev.agentsandbox.operator.dependent.SandboxPodDependentResource;
import dev.agentsandbox.operator.dependent.SidecarConfigMapDependentResource;
import dev.agentsandbox.operator.images.TestCertificate;
import dev.agentsandbox.operator.plan.SandboxPlan;
import dev.agentsandbox.operator.testing.PythonSdks;
import dev.agentsandbox.sidecar.contract.BridgeConfig;
import dev.agentsandbox.sidecar.contract.ProxyConfig;
import dev.agentsandbox.sidecar.contract.SidecarConfigJson;
import dev.agentsandbox.sidecar.contract.SidecarMounts;
import dev.agentsandbox.sidecar.contract.SidecarPorts;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real agent CLIs, installed from npm at pinned versions by {@code hack/install-agent-clis.sh}, each run for one
 * non-interactive turn with exactly the environment and files the operator renders for its {@code spec.agent.preset}
 * (the desired pod and ConfigMap of a sandbox with that preset), through the real sidecar processes, against fake
 * model APIs on loopback:
 * <ul>
 *   <li>local model: CLI, bridge, a fake Docker Model Runner; the runner must see the allowed model;</li>
 *   <li>cloud: Claude Code, egress proxy (credential injected from the Secret's file), a fake api.anthropic.com
 *       that accepts only the Secret's value.</li>
 * </ul>
 * What differs from the pod, and why: the sidecars listen on ephemeral ports (the variables and files that point at
 * {@code 127.0.0.1:54321} and {@code :3128} are rewritten to them), the proxy's CA and credential directories are
 * test directories (paths rewritten), the ConfigMap files are bind-mounted at their mount paths in a private mount
 * namespace (root only), and for the cloud case the proxy resolves api.anthropic.com to a loopback address (its own
 * /etc/hosts) that its policy opens. The CLIs' proxy is the real egress proxy with the sandbox's policy, which allows
 * no host here: whatever else a CLI tries (telemetry, update checks, plugins) is denied on loopback.
 */
class AgentClisIT {

    /** The pins of hack/install-agent-clis.sh (its VERSIONS file must say the same). */
    static final String CLAUDE_CODE_VERSION = "2.1.332";
    static final String CODEX_VERSION = "0.171.0";
    static final String OPENCLAW_VERSION = "2026.9.6";
    static final String NODE_VERSION = "24.22.3";

    private static final String MODEL = "ai/smollm2:360M-Q4_K_M";
    private static final String PROMPT = "Answer with the one sentence your model gives you.";
    private static final Duration TURN_TIMEOUT = Duration.ofMinutes(5);

    private static Path clis;

    record Turn(int exitCode, String output) {
    }

    @BeforeAll
    static void installedClis() throws IOException {
        assumeTrue(MountedProcess.supported(), "needs root and unshare (mount namespaces) to mount the agent's files");
        clis = Path.of(System.getProperty("agent-clis.dir",
                System.getProperty("user.home") + "/.cache/agentsandbox/agent-clis"));
        assertThat(clis.resolve("VERSIONS")).as("run hack/install-agent-clis.sh (the build does, before the ITs)")
                .isRegularFile();
        assertThat(Files.readAllLines(clis.resolve("VERSIONS"))).containsExactlyInAnyOrder(
                "node=" + NODE_VERSION, "claude-code=" + CLAUDE_CODE_VERSION, "codex=" + CODEX_VERSION,
                "openclaw=" + OPENCLAW_VERSION);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"claude, " + CLAUDE_CODE_VERSION, "codex, " + CODEX_VERSION, "openclaw, " + OPENCLAW_VERSION,
            "node, v" + NODE_VERSION})
    void eachCliIsThePinnedVersion(String cli, String version, @TempDir Path dir) throws Exception {
        Path log = dir.resolve("version.log");
        int exit = MountedProcess.run(List.of(cli, "--version"), Map.of("PATH", path(),
                "HOME", dir.toString()), Map.of(), dir, log, TURN_TIMEOUT);

        assertThat(Files.readString(log)).contains(version);
        assertThat(exit).isZero();
    }

    /** Each preset's CLI: the runner route its turn must use, and its one-turn command. */
    static Stream<Arguments> localModelTurns() {
        String openAi = "/engines/" + FakeModelApi.ENGINE + "/v1";
        return Stream.of(
                Arguments.of(AgentPreset.CLAUDE_CODE, "/anthropic/v1/messages", List.of("claude", "-p", PROMPT)),
                Arguments.of(AgentPreset.CODEX, openAi + "/responses",
                        List.of("codex", "exec", "--skip-git-repo-check", PROMPT)),
                Arguments.of(AgentPreset.OPENCLAW, openAi + "/chat/completions",
                        List.of("openclaw", "agent", "--local", "--message", PROMPT)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("localModelTurns")
    void theCliOfThePresetUsesTheLocalModelThroughTheBridge(AgentPreset preset, String route, List<String> command,
                                                           @TempDir Path dir) throws Exception {
        try (FakeModelApi runner = FakeModelApi.dockerModelRunner(List.of(MODEL))) {
            Turn turn = turnThroughBridge(preset, runner, dir, command.toArray(String[]::new));

            assertThat(turn.output()).contains(FakeModelApi.ANSWER);
            assertThat(turn.exitCode()).as(turn.output()).isZero();
            assertThat(runner.seen()).filteredOn(seen -> seen.path().equals(route)).as(turn.output()).isNotEmpty();
            assertThat(runner.seen()).filteredOn(seen -> seen.model() != null)
                    .allSatisfy(seen -> assertThat(seen.model()).isEqualTo(MODEL));
        }
    }

    /**
     * The official Python SDKs, as an agent's own code would use them: constructed with no argument, so everything
     * comes from the environment the operator sets (base URLs, stand-in keys, proxy variables and their NO_PROXY).
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"openai, once, /engines/" + FakeModelApi.ENGINE + "/v1/chat/completions",
            "openai, stream, /engines/" + FakeModelApi.ENGINE + "/v1/chat/completions",
            "anthropic, once, /anthropic/v1/messages", "anthropic, stream, /anthropic/v1/messages"})
    void theOfficialSdksUseTheLocalModelWithOnlyTheOperatorsEnvironment(String sdk, String mode, String route,
                                                                     @TempDir Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("turn.py"), """
                import sys
                sdk, mode, model, prompt = sys.argv[1:5]
                messages = [{"role": "user", "content": prompt}]
                if sdk == "openai":
                    from openai import OpenAI
                    client = OpenAI()
                    if mode == "stream":
                        chunks = client.chat.completions.create(model=model, messages=messages, stream=True,
                                                                stream_options={"include_usage": True})
                        print("".join(c.choices[0].delta.content or "" for c in chunks if c.choices))
                    else:
                        print(client.chat.completions.create(model=model, messages=messages)
                              .choices[0].message.content)
                else:
                    from anthropic import Anthropic
                    client = Anthropic()
                    if mode == "stream":
                        with client.messages.stream(model=model, max_tokens=64, messages=messages) as stream:
                            print("".join(stream.text_stream))
                    else:
                        print(client.messages.create(model=model, max_tokens=64, messages=messages)
                              .content[0].text)
                """);
        try (FakeModelApi runner = FakeModelApi.dockerModelRunner(List.of(MODEL))) {
            Turn turn = turnThroughBridge(AgentPreset.GENERIC, runner, dir, PythonSdks.interpreter(Path.of("").toAbsolutePath().getParent()).toString(),
                    script.toString(), sdk, mode, MODEL, PROMPT);

            assertThat(turn.output()).contains(FakeModelApi.ANSWER);
            assertThat(turn.exitCode()).as(turn.output()).isZero();
            assertThat(runner.seen()).filteredOn(seen -> seen.path().equals(route)).as(turn.output())
                    .singleElement().satisfies(seen -> assertThat(seen.model()).isEqualTo(MODEL));
        }
    }

    @Test
    void claudeCodeReachesTheAnthropicApiThroughTheProxyWithTheSecretInjected(@TempDir Path dir) throws Exception {
        String secret = "sk-ant-test-" + UUID.randomUUID();
        AgentSandbox sandbox = TestSandboxes.minimal("cloud");
        sandbox.getSpec().getAgent().setPreset(AgentPreset.CLAUDE_CODE);
        sandbox.getSpec().setCredentials(List.of(
                TestSandboxes.preset("anthropic", CredentialPreset.ANTHROPIC, "anthropic-key", "api-key")));
        SandboxPlan plan = TestSandboxes.plan(sandbox);
        // api.anthropic.com is a loopback address of its own (port 443, as the CLI dials), for the proxy only.
        ThreadLocalRandom random = ThreadLocalRandom.current();
        InetAddress address = InetAddress.getByAddress(new byte[] {127, (byte) random.nextInt(1, 255),
                (byte) random.nextInt(1, 255), (byte) random.nextInt(1, 255)});
        TestCertificate certificate = TestCertificate.selfSigned("api.anthropic.com", dir.resolve("upstream-tls"));
        Path credentials = dir.resolve("credentials");
        Path secretFile = credentials.resolve(SidecarMounts.credentialRelativePath("anthropic", "api-key"));
        Files.createDirectories(secretFile.getParent());
        Files.writeString(secretFile, secret);
        Path hosts = Files.writeString(dir.resolve("hosts"),
                "127.0.0.1 localhost\n" + address.getHostAddress() + " api.anthropic.com\n");

        FakeModelApi anthropic;
        try {
            anthropic = FakeModelApi.anthropicApi(new InetSocketAddress(address, 443),
                    certificate.serverContext(), secret);
        } catch (IOException e) {
            assumeTrue(false, "cannot listen on " + address.getHostAddress() + ":443: " + e.getMessage());
            return;
        }
        ConfigMap configMap = new SidecarConfigMapDependentResource().desired(plan);
        ProxyConfig rendered = SidecarConfigJson.readProxy(configMap.getData().get(ProxyConfig.FILE_NAME));
        // The always-denied loopback range, opened for the fake's one address (in the pod, the name resolves to a
        // public address); the credential file where this test wrote it.
        ProxyConfig policy = new ProxyConfig(rendered.allow(), rendered.deny(),
                List.of(address.getHostAddress() + "/32"), rendered.credentials());
        Path proxyConfig = Files.writeString(dir.resolve(ProxyConfig.FILE_NAME), SidecarConfigJson.write(policy)
                .replace(SidecarMounts.CREDENTIALS_DIR, credentials.toString()));
        try (anthropic;
             SidecarJarProcess proxy = SidecarJarProcess.start("proxy", List.of("--config", proxyConfig.toString(),
                     "--ca-dir", dir.resolve("ca").toString(), "--listen", "127.0.0.1:0",
                     "--admin", "127.0.0.1:0", "--trust-bundle", certificate.certificateFile().toString()),
                     Map.of("/etc/hosts", hosts), dir)) {
            Turn turn = agentTurn(plan, configMap, Map.of(SidecarPorts.PROXY_URL, proxy.url(),
                    SidecarMounts.CA_DIR, dir.resolve("ca").toString()), dir, "claude", "-p", PROMPT);

            assertThat(turn.output()).contains(FakeModelApi.ANSWER);
            assertThat(turn.exitCode()).as(turn.output()).isZero();
            assertThat(anthropic.seen()).extracting(FakeModelApi.Seen::path).contains("/v1/messages");
            assertThat(turn.output()).doesNotContain(secret);
            assertThat(proxy.output()).doesNotContain(secret);
        }
    }

    /** One turn of the CLI of {@code preset} in a sandbox whose model is served by {@code runner}. */
    private static Turn turnThroughBridge(AgentPreset preset, FakeModelApi runner, Path dir, String... command)
            throws Exception {
        AgentSandbox sandbox = TestSandboxes.minimal("local");
        sandbox.getSpec().getAgent().setPreset(preset);
        ModelSpec model = new ModelSpec();
        model.setDefaultModel(MODEL);
        model.setAllowed(List.of(MODEL));
        sandbox.getSpec().setModel(model);
        SandboxPlan plan = TestSandboxes.plan(sandbox);
        ConfigMap configMap = new SidecarConfigMapDependentResource().desired(plan);

        BridgeConfig rendered = SidecarConfigJson.readBridge(configMap.getData().get(BridgeConfig.FILE_NAME));
        assertThat(rendered.upstream()).endsWith("/engines/" + FakeModelApi.ENGINE);
        BridgeConfig local = new BridgeConfig(runner.url() + "/engines/" + FakeModelApi.ENGINE,
                rendered.defaultModel(), rendered.allowedModels(), rendered.tokenBudget());
        Path bridgeConfig = Files.writeString(dir.resolve(BridgeConfig.FILE_NAME), SidecarConfigJson.write(local));
        Path proxyConfig = Files.writeString(dir.resolve(ProxyConfig.FILE_NAME),
                configMap.getData().get(ProxyConfig.FILE_NAME));
        try (SidecarJarProcess bridge = SidecarJarProcess.start("bridge", List.of("--config", bridgeConfig.toString(),
                     "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"), Map.of(), dir);
             SidecarJarProcess proxy = SidecarJarProcess.start("proxy", List.of("--config", proxyConfig.toString(),
                     "--ca-dir", dir.resolve("ca").toString(), "--listen", "127.0.0.1:0",
                     "--admin", "127.0.0.1:0"), Map.of(), dir)) {
            Turn turn = agentTurn(plan, configMap, Map.of(SidecarPorts.BRIDGE_URL, bridge.url(),
                    SidecarPorts.PROXY_URL, proxy.url(), SidecarMounts.CA_DIR, dir.resolve("ca").toString()),
                    dir, command);
            // The bridge's log says what it forwarded and refused: the first thing to read when a turn fails.
            return new Turn(turn.exitCode(), turn.output() + "\n--- bridge ---\n" + bridge.output()
                    + "\n--- runner ---\n" + runner.report());
        }
    }

    /**
     * Runs {@code command} as the desired pod's agent container would: its environment (with {@code rewrites}
     * applied to the values) and its ConfigMap mounts; a home and a workspace of its own.
     */
    private static Turn agentTurn(SandboxPlan plan, ConfigMap configMap, Map<String, String> sidecarRewrites,
                                  Path dir, String... command) throws Exception {
        Pod pod = new SandboxPodDependentResource().desired(plan);
        Container agent = pod.getSpec().getContainers().get(0);
        Map<String, String> rewrites = withTrustBundle(sidecarRewrites, dir);
        Map<String, String> environment = new LinkedHashMap<>();
        agent.getEnv().forEach(variable -> environment.put(variable.getName(),
                rewrite(variable.getValue(), rewrites)));
        assertThat(environment).doesNotContainKeys("HOME", "PATH");
        Path home = Files.createDirectories(dir.resolve("home"));
        environment.put("HOME", home.toString());
        environment.put("PATH", path());
        Path workspace = Files.createDirectories(dir.resolve("workspace"));
        Path log = dir.resolve(command[0] + ".log");
        int exit = MountedProcess.run(List.of(command), environment,
                configMapMounts(pod, agent, configMap, rewrites, dir), workspace, log, TURN_TIMEOUT);
        return new Turn(exit, Files.readString(log));
    }

    /**
     * What the pod's trust-bundle init container writes (the image's roots, then the proxy CA), here from this
     * machine's roots, and the rewrite of its directory to this one.
     */
    private static Map<String, String> withTrustBundle(Map<String, String> rewrites, Path dir) throws IOException {
        Path trust = Files.createDirectories(dir.resolve("trust"));
        StringBuilder bundle = new StringBuilder(Files.readString(Path.of("/etc/ssl/certs/ca-certificates.crt")));
        Path proxyCa = Path.of(rewrite(SidecarMounts.CA_CERT, rewrites));
        if (Files.exists(proxyCa)) {
            bundle.append(Files.readString(proxyCa));
        }
        Files.writeString(trust.resolve(Path.of(AgentTrust.BUNDLE).getFileName()), bundle);
        Map<String, String> all = new LinkedHashMap<>(rewrites);
        all.put(AgentTrust.DIR, trust.toString());
        return all;
    }

    /** The installed CLIs and their Node.js first, then the system's tools (the mount script's). */
    private static String path() {
        return clis.resolve("node/bin") + ":" + clis.resolve("bin") + ":/usr/sbin:/usr/bin:/sbin:/bin";
    }

    /** The sidecars' addresses and directories in the pod replaced by the test's. */
    private static String rewrite(String value, Map<String, String> rewrites) {
        for (Map.Entry<String, String> rewrite : rewrites.entrySet()) {
            value = value.replace(rewrite.getKey(), rewrite.getValue());
        }
        return value;
    }

    /**
     * The agent's ConfigMap volumes as the kubelet fills them (the selected keys as files, by mount path), with
     * {@code rewrites} applied to their content.
     */
    private static Map<String, Path> configMapMounts(Pod pod, Container agent, ConfigMap configMap,
                                                     Map<String, String> rewrites, Path dir) throws IOException {
        Map<String, Path> mounts = new LinkedHashMap<>();
        for (VolumeMount mount : agent.getVolumeMounts()) {
            Volume volume = pod.getSpec().getVolumes().stream().filter(v -> v.getName().equals(mount.getName()))
                    .findFirst().orElseThrow();
            if (volume.getConfigMap() == null) {
                continue;
            }
            assertThat(volume.getConfigMap().getName()).isEqualTo(configMap.getMetadata().getName());
            assertThat(mount.getReadOnly()).as("%s is mounted read-only", mount.getMountPath()).isTrue();
            Path files = Files.createDirectories(dir.resolve("volumes").resolve(volume.getName()));
            for (KeyToPath item : volume.getConfigMap().getItems()) {
                Files.writeString(files.resolve(item.getPath()),
                        rewrite(configMap.getData().get(item.getKey()), rewrites));
            }
            mounts.put(mount.getMountPath(), files);
        }
        return mounts;
    }
}
