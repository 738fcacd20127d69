package dev.agentsandbox.operator.e2e;

import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.EgressStatus;
import dev.agentsandbox.operator.api.v1alpha1.LifecycleMode;
import dev.agentsandbox.operator.api.v1alpha1.ModelUsageStatus;
import dev.agentsandbox.operator.api.v1alpha1.SandboxCondition;
import dev.agentsandbox.operator.api.v1alpha1.SandboxPhase;
import dev.agentsandbox.operator.dependent.AgentTrust;
import dev.agentsandbox.operator.dependent.SandboxObjects;
import dev.agentsandbox.operator.status.ConditionTypes;
import dev.agentsandbox.operator.status.UpstreamCredentials;
import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.EmbeddedNode;
import dev.agentsandbox.operator.testing.LocalChart;
import dev.agentsandbox.operator.testing.NodeExtension;
import dev.agentsandbox.operator.testing.SandboxOnNode;
import dev.agentsandbox.sidecar.contract.SidecarMounts;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.LocalPortForward;
import io.fabric8.kubernetes.client.readiness.Readiness;
import org.awaitility.core.ConditionTimeoutException;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static dev.agentsandbox.operator.testing.ClusterFixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole sandbox as a user runs it (issue 17), on the real node, from inside the agent container as an agent
 * would: one sandbox under runc (iptables enforcement) and one under gVisor (NetworkPolicy enforcement), each
 * scenario run against both. The chart, the upstream hosts and the Model Runner are installed once
 * ({@link E2eCluster}); both sandboxes start together.
 */
@ExtendWith(NodeExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SandboxEndToEndIT {

    private static final Duration SANDBOX_READY = Duration.ofSeconds(300);
    private static final Duration CONVERGENCE = Duration.ofSeconds(120);
    private static final Duration EXEC = Duration.ofSeconds(120);
    private static final Logger LOG = Logger.getLogger(SandboxEndToEndIT.class);

    private static E2eCluster cluster;
    private static KubernetesClient client;
    private static String namespace;
    /** Runtime class → the Secret's value: never in the agent's environment or files. */
    private static final Map<String, String> CANARIES = new LinkedHashMap<>();
    private static long tierStarted;

    @BeforeAll
    static void installOnce(EmbeddedNode node) {
        tierStarted = System.nanoTime();
        cluster = E2eCluster.install(node);
        client = cluster.client;
        namespace = ClusterFixtures.freshNamespace(client, "e2e");
        for (String runtimeClass : E2eCluster.HANDLERS.keySet()) {
            String canary = "canary-" + UUID.randomUUID();
            CANARIES.put(runtimeClass, canary);
            cluster.createSandbox(namespace, runtimeClass, runtimeClass, canary);
        }
        for (String runtimeClass : E2eCluster.HANDLERS.keySet()) {
            awaitPhase(runtimeClass, SandboxPhase.READY, SANDBOX_READY);
        }
        LOG.infof("E2E: both sandboxes Ready %d s after the tier started",
                Duration.ofNanos(System.nanoTime() - tierStarted).toSeconds());
    }

    @AfterAll
    static void uninstall() {
        if (cluster != null) {
            if (namespace != null) {
                // The operator removes what its sandboxes own before it goes.
                client.resources(AgentSandbox.class).inNamespace(namespace).delete();
                eventually(CONVERGENCE).until(() -> client.resources(AgentSandbox.class).inNamespace(namespace)
                        .list().getItems().isEmpty());
            }
            cluster.uninstall();
        }
        LOG.infof("E2E tier took %d s", Duration.ofNanos(System.nanoTime() - tierStarted).toSeconds());
    }

    // --- 1. Ready, every container really ready, the workspace cloned ----------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {E2eCluster.RUNC, E2eCluster.GVISOR})
    @Order(1)
    void readyWithEveryContainerRunningAndTheWorkspaceCloned(String sandbox) {
        Pod pod = pod(sandbox);
        assertThat(pod.getSpec().getNodeName()).isEqualTo(EmbeddedNode.NODE_NAME);
        assertThat(pod.getSpec().getRuntimeClassName()).isEqualTo(sandbox);
        assertThat(Readiness.isPodReady(pod)).isTrue();
        assertThat(pod.getStatus().getContainerStatuses()).allSatisfy(SandboxOnNode::runsReady);
        assertThat(pod.getStatus().getInitContainerStatuses()).allSatisfy(status -> {
            if (status.getState().getTerminated() != null) {
                assertThat(status.getState().getTerminated().getExitCode()).as(status.getName()).isZero();
            } else {
                SandboxOnNode.runsReady(status); // the native sidecars
            }
        });
        assertThat(pod.getSpec().getInitContainers()).extracting(c -> c.getName())
                .contains("egress-proxy", "model-bridge", AgentTrust.TRUST_INIT, "workspace-init");
        assertThat(pod.getSpec().getInitContainers().stream().anyMatch(c -> c.getName().equals("egress-init")))
                .as("egress-init only where iptables can run").isEqualTo(sandbox.equals(E2eCluster.RUNC));
    }

    @ParameterizedTest
    @ValueSource(strings = {E2eCluster.RUNC, E2eCluster.GVISOR})
    @Order(1)
    void theWorkspaceIsClonedFromTheGitHost(String sandbox) {
        assertThat(agent(sandbox, "cat /workspace/README; git -C /workspace log --oneline | wc -l").output())
                .contains(E2eCluster.GIT_CONTENT);
    }

    // --- 2. The credential reaches the upstream; the agent holds only the placeholder ------------------------------

    @ParameterizedTest
    @ValueSource(strings = {E2eCluster.RUNC, E2eCluster.GVISOR})
    @Order(2)
    void theCredentialReachesTheUpstream(String sandbox) {
        String echo = agent(sandbox, "curl -sS --max-time 20 https://" + E2eCluster.API_HOST + "/v1/echo").output();
        assertThat(echo).as("what the upstream received").contains("\"" + E2eCluster.CREDENTIAL_HEADER + "\": \""
                + CANARIES.get(sandbox) + "\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {E2eCluster.RUNC, E2eCluster.GVISOR})
    @Order(2)
    void theAgentsEnvironmentAndFilesHoldOnlyThePlaceholder(String sandbox) {
        String canary = CANARIES.get(sandbox);

        String environment = agent(sandbox, "tr '\\0' '\\n' < /proc/self/environ; tr '\\0' '\\n' < /proc/1/environ")
                .output();
        assertThat(environment).contains("API_TOKEN=proxy-managed").doesNotContain(canary);
        // Everything the agent can read, but the kernel's views (which hold no files).
        EmbeddedNode.Result grep = agent(sandbox, "grep -rlsF --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev "
                + canary + " / ; echo grep-exit=$?", Duration.ofSeconds(300));
        assertThat(grep.output()).as("grep ran to its end").contains("grep-exit=");
        assertThat(grep.output().lines().filter(line -> line.startsWith("/"))).as("files holding the canary")
                .isEmpty();
    }

    // --- 3. A tunnelled host verifies with the agent's own tools --------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {E2eCluster.RUNC, E2eCluster.GVISOR})
    @Order(3)
    void aTunnelledHostVerifiesWithEveryClientTheAgentHas(String sandbox) {
        Map<String, String> clients = tunnelledClients();
        clients.forEach((name, script) -> {
            EmbeddedNode.Result result = agent(sandbox, script);
            assertThat(result.exitCode()).as("%s under %s:%n%s", name, sandbox, result.output()).isZero();
            assertThat(result.output()).as(name).contains("OK");
        });
        // What the agent had before: the variables naming the proxy's CA alone. Clients that read only that file
        // distrust the tunnelled host, which is why the bundle exists.
        String proxyCaOnly = "export SSL_CERT_FILE=" + SidecarMounts.CA_CERT + " REQUESTS_CA_BUNDLE="
                + SidecarMounts.CA_CERT + "; ";
        for (String name : List.of("requests", "pip", "openai")) {
            EmbeddedNode.Result result = agent(sandbox, proxyCaOnly + clients.get(name));
            assertThat(result.exitCode()).as("%s with the proxy CA alone:%n%s", name, result.output()).isNotZero();
        }
    }

    /** Each prints OK on success; all go through the proxy the environment names. */
    private static Map<String, String> tunnelledClients() {
        String url = "https://" + E2eCluster.PKG_HOST;
        Map<String, String> clients = new LinkedHashMap<>();
        clients.put("curl", "curl -sS --max-time 20 -o /dev/null " + url + "/curl && echo OK");
        clients.put("urllib", "python3 -c \"import urllib.request; urllib.request.urlopen('" + url
                + "/urllib', timeout=20); print('OK')\"");
        clients.put("requests", "python3 -c \"import requests; requests.get('" + url
                + "/requests', timeout=20).raise_for_status(); print('OK')\"");
        clients.put("pip", "pip index versions demo --index-url " + url + "/simple/ --retries 0 --timeout 20"
                + " --no-cache-dir --disable-pip-version-check 2>&1 | tee /dev/stderr | grep -q 'demo (1.0)' && echo OK");
        clients.put("openai", "python3 -c \"import httpx, openai; c = openai.OpenAI(base_url='" + url
                + "/v1', api_key='unused', max_retries=0, timeout=20); c.get('/sdk', cast_to=httpx.Response);"
                + " print('OK')\"");
        // Node's https and fetch do not read HTTPS_PROXY (before Node 24's NODE_USE_ENV_PROXY): a CONNECT by hand,
        // then TLS with Node's default trust (its roots and NODE_EXTRA_CA_CERTS).
        clients.put("node", "node -e \"const http = require('http'), tls = require('tls');"
                + " const proxy = new URL(process.env.HTTPS_PROXY);"
                + " http.request({host: proxy.hostname, port: proxy.port, method: 'CONNECT', path: '"
                + E2eCluster.PKG_HOST + ":443'}).on('connect', (res, socket) => {"
                + " const s = tls.connect({socket, servername: '" + E2eCluster.PKG_HOST + "'}, () => {"
                + " console.log('OK'); process.exit(0); });"
                + " s.on('error', e => { console.log(e.message); process.exit(1); }); }).end();"
                + " setTimeout(() => process.exit(2), 20000);\"");
        clients.put("git", "timeout 30 git ls-remote " + E2eCluster.GIT_URL + " >/dev/null && echo OK");
        return clients;
    }

    // --- 4. A denied host --------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {E2eCluster.RUNC, E2eCluster.GVISOR})
    @Order(4)
    void aDeniedHostGets403WithTheReasonInTheStatusAndTheProxysLog(String sandbox) {
        String answer = agent(sandbox, "curl -sv --max-time 20 -o /dev/null https://" + E2eCluster.DENIED_HOST
                + "/ 2>&1; true").output();
        assertThat(answer).contains("403").containsIgnoringCase("X-AgentSandbox-Deny: host-not-allowed");

        eventually(CONVERGENCE).untilAsserted(() -> {
            EgressStatus egress = sandbox(sandbox).getStatus().getEgress();
            assertThat(egress).isNotNull();
            assertThat(egress.denied()).isPositive();
            assertThat(egress.lastDenied()).anySatisfy(d -> assertThat(d.host()).isEqualTo(E2eCluster.DENIED_HOST));
        });
        // The operator announces the first denial of a host once, from what the real proxy reported.
        eventually(CONVERGENCE).untilAsserted(() -> assertThat(events(sandbox, "EgressDenied"))
                .anySatisfy(event -> {
                    assertThat(event.getType()).isEqualTo("Warning");
                    assertThat(event.getMessage()).contains(E2eCluster.DENIED_HOST).contains("(host-not-allowed)")
                            .containsPattern("[1-9][0-9]* times since it started");
                }));
        String log = client.pods().inNamespace(namespace).withName(SandboxObjects.podName(sandbox))
                .inContainer("egress-proxy").getLog();
        assertThat(log.lines().filter(l -> l.contains("\"decision\":\"deny\"") && l.contains(E2eCluster.DENIED_HOST))
                .toList()).as("the proxy's denial line").isNotEmpty()
                .allSatisfy(line -> assertThat(line).contains("host-not-allowed"));
    }

    @ParameterizedTest
    @ValueSource(strings = {E2eCluster.RUNC, E2eCluster.GVISOR})
    @Order(4)
    void anUpstreamThatRejectsTheCredentialIsReportedUntilItAcceptsAgain(String sandbox) {
        String rejected = agent(sandbox, "curl -sS -o /dev/null -w '%{http_code}' --max-time 20 https://"
                + E2eCluster.API_HOST + "/v1/reject").output();
        assertThat(rejected).isEqualTo("401");

        eventually(CONVERGENCE).untilAsserted(() -> {
            SandboxCondition credentials = condition(sandbox, ConditionTypes.CREDENTIALS_READY);
            assertThat(credentials.status()).isEqualTo(SandboxCondition.FALSE);
            assertThat(credentials.reason()).isEqualTo(UpstreamCredentials.REJECTED);
            assertThat(credentials.message()).contains(E2eCluster.API_HOST).contains("401")
                    .doesNotContain(CANARIES.get(sandbox));
            assertThat(events(sandbox, UpstreamCredentials.REJECTED)).isNotEmpty();
        });
        assertThat(sandbox(sandbox).getStatus().getPhase()).as("a report, the pod keeps running")
                .isEqualTo(SandboxPhase.READY);

        assertThat(agent(sandbox, "curl -sS -o /dev/null -w '%{http_code}' --max-time 20 https://"
                + E2eCluster.API_HOST + "/v1/echo").output()).isEqualTo("200");
        eventually(CONVERGENCE).untilAsserted(() -> {
            assertThat(condition(sandbox, ConditionTypes.CREDENTIALS_READY).status()).isEqualTo(SandboxCondition.TRUE);
            assertThat(events(sandbox, UpstreamCredentials.ACCEPTED)).isNotEmpty();
        });
    }

    private static SandboxCondition condition(String sandbox, String type) {
        return sandbox(sandbox).getStatus().getConditions().stream().filter(c -> c.type().equals(type)).findFirst()
                .orElseThrow(() -> new AssertionError("no condition " + type));
    }

    private static List<Event> events(String sandbox, String reason) {
        return client.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> sandbox.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason()))
                .toList();
    }

    // --- 5. Bypass attempts: refused, fast -------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {E2eCluster.RUNC, E2eCluster.GVISOR})
    @Order(5)
    void bypassAttemptsAreRefusedFast(String sandbox) throws Exception {
        String upstream = cluster.upstreamIp;
        // The targets answer whoever may reach them: this process, on the node's host, may.
        assertThat(udpAnswers(upstream)).as("the upstream's resolver answers the host").isTrue();

        Map<String, String> attempts = new LinkedHashMap<>();
        attempts.put("direct TCP to the upstream's plain port", "tcp " + upstream + " 8080");
        if (sandbox.equals(E2eCluster.RUNC)) {
            // Under the NetworkPolicy alone public ports 80/443 stay open to the pod, the agent included (README,
            // NetworkPolicyOnly): only iptables holds the agent to the proxy there.
            attempts.put("direct TCP to the upstream's HTTPS port", "tcp " + upstream + " 443");
        }
        attempts.put("UDP/53 to an outside resolver", "udp " + upstream + " 53");
        attempts.put("the node's kubelet", "tcp " + EmbeddedNode.NODE_IP + " 10250");
        attempts.put("the API server", "tcp " + EmbeddedNode.NODE_IP + " 6443");
        attempts.put("the kubernetes Service", "tcp 198.19.0.1 443");
        attempts.put(METADATA, "tcp 169.254.169.254 80");

        StringBuilder table = new StringBuilder();
        for (Map.Entry<String, String> attempt : attempts.entrySet()) {
            String outcome = agent(sandbox, "python3 -c \"" + PROBE + "\" " + attempt.getValue()).output().strip();
            table.append(String.format("%n  %-45s %s", attempt.getKey(), outcome));
            assertThat(outcome).as("%s from the agent under %s", attempt.getKey(), sandbox)
                    .startsWith("BLOCKED");
            if (sandbox.equals(E2eCluster.GVISOR) && attempt.getKey().equals(METADATA)) {
                // Under the NetworkPolicy alone a denied packet is refused or dropped as the network plugin
                // decides (README, "Security model"); here the node's containment drops what leaves the cluster's
                // range before kube-router's REJECT sees it. Nothing answers either way: the agent's own timeout
                // ends the wait, and the probe's bound is that timeout.
                assertThat(outcome).as("a drop ends at the client's timeout")
                        .matches("BLOCKED (ConnectionRefusedError|TimeoutError) \\d+ ms");
            } else {
                assertThat(millis(outcome)).as("%s under %s refused at once, not after a timeout", attempt.getKey(),
                        sandbox).isLessThan(FAST_REFUSAL.toMillis());
            }
        }
        LOG.infof("bypass attempts under %s:%s", sandbox, table);
        // The agent's own loopback traffic to the proxy is what stays open.
        assertThat(agent(sandbox, "python3 -c \"" + PROBE + "\" tcp 127.0.0.1 3128").output()).startsWith("REACHED");
    }

    private static final String METADATA = "the cloud metadata address";
    /** Well below the probe's 5 s bound: a refusal, not a wait. */
    private static final Duration FAST_REFUSAL = Duration.ofSeconds(1);

    private static long millis(String outcome) {
        String[] words = outcome.split(" ");
        return Long.parseLong(words[words.length - 2]);
    }

    /**
     * {@code tcp|udp host port}: REACHED when a connection (or a UDP answer) comes, else BLOCKED with the error and
     * the milliseconds it took; a wait of 5 s ends it (TIMEOUT counts as BLOCKED, the time shows the hang).
     */
    private static final String PROBE = "import socket, sys, time\n"
            + "kind, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])\n"
            + "start = time.monotonic()\n"
            + "s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if kind == 'tcp' else socket.SOCK_DGRAM)\n"
            + "s.settimeout(5)\n"
            + "try:\n"
            + "    s.connect((host, port))\n"
            + "    if kind == 'udp':\n"
            + "        s.send(b'probe'); s.recv(64)\n"
            + "    print('REACHED %d ms' % ((time.monotonic() - start) * 1000))\n"
            + "except Exception as e:\n"
            + "    print('BLOCKED %s %d ms' % (type(e).__name__, (time.monotonic() - start) * 1000))\n";

    private static boolean udpAnswers(String address) throws Exception {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(3000);
            byte[] probe = "probe".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            socket.send(new DatagramPacket(probe, probe.length, new InetSocketAddress(address, 53)));
            DatagramPacket answer = new DatagramPacket(new byte[64], 64);
            socket.receive(answer);
            return answer.getLength() == probe.length;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        }
    }

    // --- 8. A real agent CLI, one turn through the bridge (before the budget scenario spends the budget) -----------

    @ParameterizedTest
    @ValueSource(strings = {E2eCluster.RUNC, E2eCluster.GVISOR})
    @Order(5)
    void claudeCodeRunsOneTurnInTheAgentContainerAndTheBridgeCountsIt(String sandbox) throws Exception {
        // The pinned Claude Code the agents tier installs (hack/install-agent-clis.sh, before the ITs), put into the
        // sandbox's workspace volume from the node's host: a 400 MB binary kept out of the agent image.
        Path claude = Path.of(System.getProperty("agent-clis.dir", System.getProperty("user.home")
                + "/.cache/agentsandbox/agent-clis")).resolve("bin/claude").toRealPath();
        Path tools = E2eCluster.workspaceOnNode(namespace, sandbox).resolve(".e2e-tools");
        Files.createDirectories(tools);
        Files.copy(claude, tools.resolve("claude"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.COPY_ATTRIBUTES);
        long requestsBefore = modelRequests(sandbox);

        // Everything else comes from the pod: the preset's variables, the bridge's base URL and stand-in token.
        EmbeddedNode.Result turn = agent(sandbox, "export HOME=$(mktemp -d); cd \"$HOME\";"
                + " /workspace/.e2e-tools/claude -p 'say hello in one word' 2>&1; echo claude-exit=$?",
                Duration.ofSeconds(180));

        assertThat(turn.output()).as("claude -p under %s", sandbox).contains("fake reply to:")
                .contains("claude-exit=0");
        eventually(CONVERGENCE).untilAsserted(() -> assertThat(modelRequests(sandbox))
                .as("status.model.requests after the turn").isGreaterThan(requestsBefore));
        LOG.infof("claude -p under %s: status.model %s", sandbox, sandbox(sandbox).getStatus().getModel());
    }

    private static long modelRequests(String sandbox) {
        ModelUsageStatus model = sandbox(sandbox).getStatus().getModel();
        return model == null || model.requests() == null ? 0 : model.requests();
    }

    // --- 6. The model, through the bridge ----------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {E2eCluster.RUNC, E2eCluster.GVISOR})
    @Order(6)
    void theModelAnswersThroughTheBridgeWithinItsAllowListAndBudget(String sandbox) {
        String bridge = "http://127.0.0.1:54321";
        String chat = "curl -sS --max-time 30 -w ' status=%{http_code}' " + bridge + "/v1/chat/completions"
                + " -H 'content-type: application/json' -d ";
        assertThat(agent(sandbox, chat + "'{\"model\":\"" + E2eCluster.MODEL
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}'").output())
                .contains("fake reply to: hello there").contains("status=200");
        assertThat(agent(sandbox, chat + "'{\"model\":\"" + E2eCluster.MODEL + "\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"stream please\"}]}'").output())
                .contains("data:").contains("[DONE]").contains("status=200");
        assertThat(agent(sandbox, "curl -sS --max-time 30 -w ' status=%{http_code}' " + bridge + "/v1/messages"
                + " -H 'content-type: application/json' -H 'anthropic-version: 2023-06-01' -d '{\"model\":\""
                + E2eCluster.MODEL + "\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"hi claude\"}]}'").output()).contains("fake reply to: hi claude").contains("status=200");
        assertThat(agent(sandbox, chat + "'{\"model\":\"ai/not-allowed\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"x\"}]}'").output()).contains("model_not_allowed").contains("status=403");

        eventually(CONVERGENCE).untilAsserted(() -> {
            ModelUsageStatus model = sandbox(sandbox).getStatus().getModel();
            assertThat(model).isNotNull();
            assertThat(model.requests()).isGreaterThanOrEqualTo(3);
            assertThat(model.promptTokens()).isPositive();
            assertThat(model.completionTokens()).isPositive();
        });

        // Spend the budget: long prompts until the bridge refuses.
        String longPrompt = "word ".repeat(100).strip();
        String spend = "for i in $(seq 1 20); do curl -s -o /dev/null -w '%{http_code}\\n' --max-time 30 " + bridge
                + "/v1/chat/completions -H 'content-type: application/json' -d '{\"model\":\"" + E2eCluster.MODEL
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + longPrompt + "\"}]}'; done";
        assertThat(agent(sandbox, spend).output()).contains("429");
    }

    // --- What the real sidecars reported, on the operator's /q/metrics (issue 15) ----------------------------------

    @ParameterizedTest
    @ValueSource(strings = {E2eCluster.RUNC, E2eCluster.GVISOR})
    @Order(7)
    void theOperatorsMetricsCarryWhatTheRealSidecarsReported(String sandbox) {
        // Before scenario 8 kills the proxy: its counters start again at zero after a restart.
        String operator = client.pods().inNamespace(cluster.releaseNamespace)
                .withLabel("app.kubernetes.io/instance", LocalChart.RELEASE).list().getItems().stream()
                .filter(Readiness::isPodReady).findFirst().orElseThrow().getMetadata().getName();
        String sandboxLabels = "namespace=\"" + namespace + "\",sandbox=\"" + sandbox + "\"";
        // Through the kubelet, as `kubectl port-forward` (and a Prometheus in the cluster, by the pod's address) reads it.
        try (LocalPortForward forward = client.pods().inNamespace(cluster.releaseNamespace).withName(operator)
                .portForward(8080)) {
            HttpRequest scrape = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + forward.getLocalPort()
                    + "/q/metrics")).timeout(Duration.ofSeconds(10)).build();
            HttpClient http = HttpClient.newHttpClient();
            eventually(CONVERGENCE).untilAsserted(() -> {
                String scraped = http.send(scrape, HttpResponse.BodyHandlers.ofString()).body();
                assertThat(sample(scraped, "agentsandbox_sandbox_egress_denied_total", sandboxLabels,
                        "host=\"" + E2eCluster.DENIED_HOST + "\"")).as("denials of the denied host").isPositive();
                assertThat(sample(scraped, "agentsandbox_sandbox_model_requests_total", sandboxLabels,
                        "model=\"" + E2eCluster.MODEL + "\"")).as("model requests").isGreaterThanOrEqualTo(3);
                assertThat(sample(scraped, "agentsandbox_sandbox_injected_requests_total", sandboxLabels,
                        "host=\"" + E2eCluster.API_HOST + "\"")).as("injected requests").isPositive();
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The value of the series of {@code name} whose labels include every one given; 0 when there is none. */
    private static double sample(String exposition, String name, String... labels) {
        return exposition.lines().filter(line -> line.startsWith(name + "{"))
                .filter(line -> Stream.of(labels).allMatch(line::contains))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst().orElse(0);
    }

    // --- 7. Lifecycle for real ---------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {E2eCluster.RUNC, E2eCluster.GVISOR})
    @Order(7)
    void aRotatedSecretReachesTheNextRequestWithoutARestart(String sandbox) {
        String rotated = "rotated-" + UUID.randomUUID();
        int restartsBefore = restarts(pod(sandbox));
        cluster.setCredential(namespace, sandbox, rotated);
        CANARIES.put(sandbox, rotated);

        eventually(Duration.ofSeconds(180)).untilAsserted(() -> assertThat(agent(sandbox,
                "curl -sS --max-time 20 https://" + E2eCluster.API_HOST + "/v1/echo").output()).contains(rotated));
        assertThat(restarts(pod(sandbox))).as("container restarts").isEqualTo(restartsBefore);
    }

    @ParameterizedTest
    @ValueSource(strings = {E2eCluster.RUNC, E2eCluster.GVISOR})
    @Order(8)
    void aKilledProxyIsRestartedByTheKubeletAndTheSandboxRecovers(String sandbox) {
        Pod before = pod(sandbox);
        ContainerStatus proxy = proxyStatus(before);
        cluster.node.killContainer(proxy.getContainerID());

        eventually(CONVERGENCE).untilAsserted(() -> {
            Pod pod = pod(sandbox);
            assertThat(pod.getMetadata().getUid()).as("the same pod").isEqualTo(before.getMetadata().getUid());
            assertThat(proxyStatus(pod).getRestartCount()).isGreaterThan(proxy.getRestartCount());
            assertThat(Readiness.isPodReady(pod)).isTrue();
            assertThat(sandbox(sandbox).getStatus().getPhase()).isEqualTo(SandboxPhase.READY);
            assertThat(agent(sandbox, "curl -sS --max-time 10 -o /dev/null -w '%{http_code}' https://"
                    + E2eCluster.PKG_HOST + "/after-restart").output()).isEqualTo("200");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {E2eCluster.RUNC, E2eCluster.GVISOR})
    @Order(9)
    void pausingDeletesThePodAndKeepsTheWorkspace(String sandbox) {
        agent(sandbox, "echo kept-across-pause > /workspace/kept.txt");
        setMode(sandbox, LifecycleMode.PAUSED);
        awaitPhase(sandbox, SandboxPhase.PAUSED, CONVERGENCE);
        eventually(CONVERGENCE).until(() -> client.pods().inNamespace(namespace)
                .withName(SandboxObjects.podName(sandbox)).get() == null);

        setMode(sandbox, LifecycleMode.RUNNING);
        awaitPhase(sandbox, SandboxPhase.READY, SANDBOX_READY);
        assertThat(agent(sandbox, "cat /workspace/kept.txt").output()).contains("kept-across-pause");
    }

    @ParameterizedTest
    @ValueSource(strings = {E2eCluster.RUNC, E2eCluster.GVISOR})
    @Order(10)
    void deletingTheSandboxRemovesEveryChild(String sandbox) {
        client.resources(AgentSandbox.class).inNamespace(namespace).withName(sandbox).delete();

        eventually(CONVERGENCE).untilAsserted(() -> {
            assertThat(client.pods().inNamespace(namespace).withName(SandboxObjects.podName(sandbox)).get()).isNull();
            assertThat(client.configMaps().inNamespace(namespace).withLabel(SandboxObjects.SANDBOX_LABEL, sandbox)
                    .list().getItems()).isEmpty();
            assertThat(client.persistentVolumeClaims().inNamespace(namespace)
                    .withLabel(SandboxObjects.SANDBOX_LABEL, sandbox).list().getItems()).isEmpty();
            assertThat(client.network().v1().networkPolicies().inNamespace(namespace)
                    .withLabel(SandboxObjects.SANDBOX_LABEL, sandbox).list().getItems()).isEmpty();
        });
    }

    // --- helpers -----------------------------------------------------------------------------------------------------

    private static EmbeddedNode.Result agent(String sandbox, String script) {
        return agent(sandbox, script, EXEC);
    }

    private static EmbeddedNode.Result agent(String sandbox, String script, Duration timeout) {
        // The shell's own timeout: kubectl exec must never outlive the test.
        return cluster.exec(namespace, SandboxObjects.podName(sandbox), "agent",
                "timeout " + timeout.toSeconds() + " bash -c " + shellQuote(script), timeout.plusSeconds(30));
    }

    private static String shellQuote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }

    private static AgentSandbox sandbox(String name) {
        return client.resources(AgentSandbox.class).inNamespace(namespace).withName(name).get();
    }

    private static Pod pod(String sandbox) {
        return client.pods().inNamespace(namespace).withName(SandboxObjects.podName(sandbox)).get();
    }

    private static ContainerStatus proxyStatus(Pod pod) {
        return pod.getStatus().getInitContainerStatuses().stream().filter(s -> s.getName().equals("egress-proxy"))
                .findFirst().orElseThrow();
    }

    private static int restarts(Pod pod) {
        return Stream.concat(pod.getStatus().getInitContainerStatuses().stream(),
                pod.getStatus().getContainerStatuses().stream()).mapToInt(ContainerStatus::getRestartCount).sum();
    }

    private static void setMode(String sandbox, LifecycleMode mode) {
        TestSandboxes.setMode(client, namespace, sandbox, mode);
    }

    private static void awaitPhase(String sandbox, SandboxPhase phase, Duration within) {
        try {
            eventually(within).untilAsserted(() -> {
                AgentSandbox current = sandbox(sandbox);
                assertThat(current.getStatus()).isNotNull();
                assertThat(current.getStatus().getPhase()).isEqualTo(phase);
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(sandbox + " is not " + phase + ": " + SandboxOnNode.diagnosis(cluster.node, namespace, sandbox, cluster.releaseNamespace), e);
        }
    }
}
