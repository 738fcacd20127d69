package dev.agentsandbox.operator.reconciler;

import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentRestartPolicy;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.status.SidecarStatusReader;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static dev.agentsandbox.operator.reconciler.OperatorTestSupport.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the sidecars report, as the operator shows it: the operator against the mock API server, reading fake
 * sidecars' {@code /status} over real HTTP every second (its own profile: a short status refresh).
 */
@QuarkusTest
@TestProfile(SidecarReportsTest.FastRefresh.class)
@WithKubernetesTestServer(crud = true, setup = MockCluster.class)
class SidecarReportsTest {

    public static class FastRefresh implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // The series of a deleted sandbox go at the next metrics refresh.
            return Map.of("agentsandbox.status-refresh", "250ms", "agentsandbox.metrics-refresh", "1s");
        }
    }

    private static final String CANARY = "test-canary-upstream-" + java.util.UUID.randomUUID();

    @Inject
    KubernetesClient client;

    private FakeSidecars sidecars;

    @BeforeEach
    void fakeSidecars() {
        sidecars = new FakeSidecars();
        QuarkusMock.installMockForType(sidecars.reader(), SidecarStatusReader.class);
    }

    @AfterEach
    void stopSidecars() {
        sidecars.close();
    }

    private OperatorTestSupport readySandbox(String namespace, String name) {
        OperatorTestSupport cluster = new OperatorTestSupport(client, namespace);
        cluster.secret("anthropic-key", "api-key", CANARY);
        cluster.secret("gitlab-token", "token", CANARY);
        if (client.services().inNamespace("model-runner").withName("docker-model-runner").get() == null) {
            cluster.runnerService("docker-model-runner", "model-runner"); // shared by the tests of this class
        }
        cluster.create(cluster.sandbox(TestSandboxes.full(name)));
        eventually().until(() -> cluster.pod(name).isPresent());
        cluster.markPodReady(name);
        cluster.awaitCondition(name, "Ready", "True", "PodReady");
        return cluster;
    }

    private static String proxyAnswering(int status, String at) {
        return "{\"allowed\":3,\"denied\":0,\"lastDenied\":[],\"credentialAnswers\":[{\"host\":\"api.anthropic.com\","
                + "\"credential\":\"anthropic\",\"status\":" + status + ",\"at\":\"" + at + "\"}]}";
    }

    private static List<Event> withReason(OperatorTestSupport cluster, String reason) {
        return cluster.events().stream().filter(e -> reason.equals(e.getReason())).toList();
    }

    @Test
    void anUpstreamRejectionShowsInCredentialsReadyAndAnEventUntilALaterSuccess() {
        sidecars.proxy(proxyAnswering(401, "2026-11-01T10:00:00Z"));
        OperatorTestSupport cluster = readySandbox("rejected", "agent");

        var rejected = cluster.awaitCondition("agent", "CredentialsReady", "False", "UpstreamRejected");
        assertThat(rejected.message()).contains("api.anthropic.com answered 401")
                .contains("credential anthropic, from Secret rejected/anthropic-key");
        assertThat(cluster.get("agent").getStatus().getEgress().credentialAnswers()).singleElement()
                .satisfies(a -> assertThat(a.status()).isEqualTo(401));
        eventually().until(() -> withReason(cluster, "UpstreamRejected").size() == 1);
        // Several status refreshes later, still one Event: the rejection is announced once.
        long refreshes = 3;
        for (int i = 0; i < refreshes; i++) {
            String seen = cluster.get("agent").getMetadata().getResourceVersion();
            sidecars.proxy(proxyAnswering(401, "2026-11-01T10:00:0" + (i + 1) + "Z"));
            eventually().until(() -> !seen.equals(cluster.get("agent").getMetadata().getResourceVersion()));
        }
        assertThat(withReason(cluster, "UpstreamRejected")).singleElement()
                .satisfies(e -> assertThat(e.getType()).isEqualTo("Warning"));

        sidecars.proxy(proxyAnswering(200, "2026-11-01T10:01:00Z"));
        cluster.awaitCondition("agent", "CredentialsReady", "True", "SecretsFound");
        eventually().until(() -> withReason(cluster, "UpstreamAccepted").size() == 1);

        assertThat(cluster.get("agent").toString()).doesNotContain(CANARY);
        assertThat(cluster.events().toString()).doesNotContain(CANARY);
    }

    @Test
    void aSecretChangedAfterTheRejectionClearsIt() {
        String rejectedAt = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS).toString();
        sidecars.proxy(proxyAnswering(403, rejectedAt));
        OperatorTestSupport cluster = readySandbox("rotated", "agent");
        cluster.awaitCondition("agent", "CredentialsReady", "False", "UpstreamRejected");

        // What the API server writes on every change of a Secret; the mock server keeps what it is sent.
        client.secrets().inNamespace("rotated").withName("anthropic-key").edit(secret -> {
            secret.getMetadata().setManagedFields(List.of(new io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder()
                    .withManager("kubectl").withOperation("Update")
                    .withTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()).build()));
            secret.setStringData(Map.of("api-key", CANARY + "-rotated"));
            return secret;
        });

        cluster.awaitCondition("agent", "CredentialsReady", "True", "SecretsFound");
    }

    @Test
    void anAgentHammeringDeniedHostsGetsABoundedNumberOfEvents() {
        java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();
        // Every read: evil.example denied once more, and ten hosts never seen before denied too.
        sidecars.proxy(() -> {
            long read = reads.incrementAndGet();
            StringBuilder hosts = new StringBuilder("{\"host\":\"evil.example\",\"reason\":\"host-not-allowed\","
                    + "\"count\":" + (1000 + read) + ",\"at\":\"2026-11-01T10:00:00Z\"}");
            for (int i = 0; i < 10; i++) {
                hosts.append(",{\"host\":\"h").append(read).append('-').append(i)
                        .append(".example\",\"reason\":\"host-not-allowed\",\"count\":1,\"at\":\"2026-11-01T10:00:00Z\"}");
            }
            return "{\"allowed\":0,\"denied\":" + (1000 + 11 * read) + ",\"deniedHosts\":[" + hosts + "]}";
        });
        OperatorTestSupport cluster = readySandbox("hammered", "agent");

        // Ten status refreshes, each with new denials: unbounded, that would be dozens of Events.
        eventually().until(() -> reads.get() >= 10);
        List<Event> denied = withReason(cluster, "EgressDenied");
        assertThat(denied).isNotEmpty();
        assertThat(denied.stream().filter(e -> e.getMessage().contains("evil.example"))).as("once per host a minute")
                .hasSize(1);
        assertThat(cluster.events()).as("all Events of the sandbox within its first minute")
                .hasSizeLessThanOrEqualTo(EventBudget.PER_WINDOW);
        assertThat(cluster.get("agent").getStatus().getEgress().deniedHosts())
                .hasSizeLessThanOrEqualTo(dev.agentsandbox.operator.api.v1alpha1.EgressStatus.DENIED_HOSTS_KEPT);
    }

    @Test
    void aProxyRestartAndTheTokenBudgetAreAnnounced() {
        // TestSandboxes.full has a budget of 2,000,000 tokens.
        sidecars.bridge("{\"requests\":3,\"promptTokens\":1000000,\"completionTokens\":700000,"
                + "\"refused\":{\"model_not_allowed\":2}}");
        OperatorTestSupport cluster = readySandbox("restarted", "agent");
        eventually().until(() -> withReason(cluster, "TokenBudgetLow").size() == 1);
        eventually().until(() -> withReason(cluster, "ModelNotAllowed").size() == 1);
        assertThat(cluster.get("agent").getStatus().getModel().tokensUsed()).isEqualTo(1_700_000L);

        sidecars.bridge("{\"requests\":4,\"promptTokens\":1300000,\"completionTokens\":700000}");
        eventually().until(() -> withReason(cluster, "TokenBudgetSpent").size() == 1);

        proxyRestartCount(0); // as the kubelet reports it from the start
        eventually().until(() -> Integer.valueOf(0).equals(cluster.get("agent").getStatus().getEgress().restarts()));
        assertThat(withReason(cluster, "ProxyRestarted")).isEmpty();
        proxyRestartCount(1);
        eventually().until(() -> withReason(cluster, "ProxyRestarted").size() == 1);
        assertThat(cluster.get("agent").getStatus().getEgress().restarts()).isEqualTo(1);
    }

    private void proxyRestartCount(int count) {
        client.pods().inNamespace("restarted").withName("agent-sandbox").editStatus(pod -> {
            pod.getStatus().setInitContainerStatuses(List.of(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
                    .withName("egress-proxy").withRestartCount(count).withReady(true).build()));
            return pod;
        });
    }

    @Test
    void perSandboxMetricsWithBoundedHostsAndModelsGoWithTheSandbox() {
        StringBuilder hosts = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            hosts.append(i == 0 ? "" : ",").append("{\"host\":\"d").append(i).append(".example\",\"reason\":"
                    + "\"host-not-allowed\",\"count\":").append(100 - i).append(",\"at\":\"2026-11-01T10:00:00Z\"}");
        }
        sidecars.proxy("{\"allowed\":42,\"denied\":1000,\"deniedHosts\":[" + hosts + "],"
                + "\"injected\":{\"api.anthropic.com\":7}}");
        sidecars.bridge("{\"requests\":3,\"promptTokens\":100,\"completionTokens\":50,\"models\":[{\"model\":"
                + "\"ai/qwen2.5:7B-Q4_K_M\",\"requests\":3,\"promptTokens\":100,\"completionTokens\":50}]}");
        OperatorTestSupport cluster = readySandbox("measured", "agent");
        String id = "namespace=\"measured\",sandbox=\"agent\"";

        eventually().untilAsserted(() -> assertThat(scrape())
                .contains("agentsandbox_sandbox_egress_requests_total{decision=\"allowed\"," + id + "} 42.0")
                .contains("agentsandbox_sandbox_egress_requests_total{decision=\"denied\"," + id + "} 1000.0")
                .contains("agentsandbox_sandbox_egress_denied_total{host=\"d0.example\"," + id + "} 100.0")
                // 1000 denials, 100+99+98+97+96 of them by the five most denied hosts
                .contains("agentsandbox_sandbox_egress_denied_total{host=\"other\"," + id + "} 510.0")
                .contains("agentsandbox_sandbox_injected_requests_total{host=\"api.anthropic.com\"," + id + "} 7.0")
                .contains("agentsandbox_sandbox_model_requests_total{model=\"ai/qwen2.5:7B-Q4_K_M\"," + id + "} 3.0")
                .contains("agentsandbox_sandbox_model_tokens_total{kind=\"prompt\",model=\"ai/qwen2.5:7B-Q4_K_M\","
                        + id + "} 100.0")
                .contains("agentsandbox_sandbox_token_budget_remaining{" + id + "} 1999850.0")
                .contains("agentsandbox_sandbox_phase{namespace=\"measured\",phase=\"Ready\",sandbox=\"agent\"} 1.0")
                .contains("agentsandbox_sandboxes{phase=\"Ready\"}")
                .contains("agentsandbox_events_suppressed_total"));
        assertThat(scrape().lines().filter(l -> l.startsWith("agentsandbox_sandbox_egress_denied_total{")
                && l.contains(id))).as("five hosts and other").hasSize(SandboxSeries.TOP + 1);

        client.resources(dev.agentsandbox.operator.api.v1alpha1.AgentSandbox.class).inNamespace("measured")
                .withName("agent").delete();
        eventually().untilAsserted(() -> assertThat(scrape()).doesNotContain(id));
    }

    static String scrape() {
        return io.restassured.RestAssured.given().when().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /**
     * The chart's Grafana dashboard and alert rules query only metrics this operator exports: every
     * {@code agentsandbox_*} name in their queries is in a scrape of the running operator's registry, with a sandbox
     * whose sidecars report everything.
     */
    @Test
    void everyMetricTheChartsDashboardAndAlertRulesQueryIsExported() throws Exception {
        sidecars.proxy("{\"allowed\":1,\"denied\":1,\"deniedHosts\":[{\"host\":\"evil.example\",\"reason\":"
                + "\"host-not-allowed\",\"count\":1,\"at\":\"2026-11-01T10:00:00Z\"}],\"injected\":{\"api.anthropic.com\":1}}");
        sidecars.bridge("{\"requests\":1,\"promptTokens\":1,\"completionTokens\":1,\"models\":[{\"model\":"
                + "\"ai/qwen2.5:7B-Q4_K_M\",\"requests\":1,\"promptTokens\":1,\"completionTokens\":1}]}");
        OperatorTestSupport cluster = readySandbox("dashboard", "agent");
        // and one whose agent ended (a tool call that exited 3), for the series only an ended agent has
        AgentSandbox toolCall = TestSandboxes.full("tool-call");
        toolCall.getSpec().getAgent().setRestartPolicy(AgentRestartPolicy.NEVER);
        cluster.create(cluster.sandbox(toolCall));
        eventually().until(() -> cluster.pod("tool-call").isPresent());
        client.pods().inNamespace("dashboard").withName("tool-call-sandbox").editStatus(pod -> new PodBuilder(pod)
                .editOrNewStatus().withPhase("Failed").withContainerStatuses(new ContainerStatusBuilder()
                        .withName("agent").withNewState().withNewTerminated().withExitCode(3).withReason("Error")
                        .withFinishedAt(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())
                        .endTerminated().endState().build()).endStatus().build());
        eventually().untilAsserted(() -> assertThat(scrape())
                .contains("agentsandbox_sandbox_token_budget_remaining{namespace=\"dashboard\"")
                .contains("agentsandbox_sandbox_agent_exit_code{namespace=\"dashboard\",sandbox=\"tool-call\"} 3.0")
                .doesNotContain("agentsandbox_sandbox_agent_exit_code{namespace=\"dashboard\",sandbox=\"agent\"}"));
        java.util.Set<String> exported = scrape().lines().filter(l -> !l.startsWith("#") && !l.isBlank())
                .map(l -> l.split("[{ ]", 2)[0]).collect(java.util.stream.Collectors.toSet());

        java.nio.file.Path chart = MockCluster.projectRoot().resolve("charts/agentsandbox-operator");
        String dashboard = java.nio.file.Files.readString(chart.resolve("dashboards/agentsandbox.json"));
        String rules = java.nio.file.Files.readString(chart.resolve("files/prometheus-rules.yaml"));
        java.util.Set<String> queried = new java.util.TreeSet<>();
        for (String text : List.of(queries(dashboard), rules)) {
            java.util.regex.Matcher names = java.util.regex.Pattern.compile("\\bagentsandbox_[a-z_]+").matcher(text);
            while (names.find()) {
                queried.add(names.group());
            }
        }

        assertThat(queried).as("metric names in the dashboard's and the rules' queries")
                .contains("agentsandbox_sandbox_token_budget_remaining", "agentsandbox_sandbox_egress_requests_total",
                        "agentsandbox_sandbox_phase", "agentsandbox_sandbox_agent_exit_code");
        assertThat(exported).containsAll(queried);
    }

    /** The dashboard's PromQL: panel targets and template variable queries. */
    private static String queries(String dashboard) throws java.io.IOException {
        StringBuilder queries = new StringBuilder();
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dashboard);
        json.path("panels").forEach(panel -> panel.path("targets")
                .forEach(target -> queries.append(target.path("expr").asText()).append('\n')));
        json.path("templating").path("list").forEach(variable ->
                queries.append(variable.path("definition").asText()).append('\n'));
        return queries.toString();
    }

    @Test
    void anIdleSandboxIsPausedWithReasonIdleAndRunningResumesIt() {
        String longAgo = Instant.now().minus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS).toString();
        sidecars.proxy("{\"allowed\":1,\"denied\":0,\"lastActivity\":\"" + longAgo + "\"}");
        OperatorTestSupport cluster = new OperatorTestSupport(client, "idle");
        dev.agentsandbox.operator.api.v1alpha1.AgentSandbox sandbox = cluster.sandbox(TestSandboxes.minimal("agent"));
        dev.agentsandbox.operator.api.v1alpha1.LifecycleSpec lifecycle =
                new dev.agentsandbox.operator.api.v1alpha1.LifecycleSpec();
        lifecycle.setIdleTimeout("30m");
        sandbox.getSpec().setLifecycle(lifecycle);
        cluster.create(sandbox);
        eventually().until(() -> cluster.pod("agent").isPresent());
        cluster.markPodReady("agent");
        cluster.awaitCondition("agent", "Ready", "True", "PodReady");
        assertThat(cluster.get("agent").getSpec().getLifecycle().getMode())
                .as("ready for less than the timeout: not idle").isEqualTo(dev.agentsandbox.operator.api.v1alpha1.LifecycleMode.RUNNING);

        // Ready for two hours, as if it had been: the last activity is as old.
        client.resources(dev.agentsandbox.operator.api.v1alpha1.AgentSandbox.class).inNamespace("idle").withName("agent")
                .editStatus(s -> {
                    s.getStatus().setConditions(s.getStatus().getConditions().stream().map(c -> c.type().equals("Ready")
                            ? new dev.agentsandbox.operator.api.v1alpha1.SandboxCondition(c.type(), c.status(), c.reason(),
                            c.message(), longAgo, c.observedGeneration()) : c).toList());
                    return s;
                });

        var idle = cluster.awaitCondition("agent", "Ready", "False", "Idle");
        assertThat(idle.message()).contains("for 30m (spec.lifecycle.idleTimeout)");
        eventually().until(() -> cluster.pod("agent").isEmpty());
        assertThat(cluster.get("agent").getSpec().getLifecycle().getMode())
                .isEqualTo(dev.agentsandbox.operator.api.v1alpha1.LifecycleMode.PAUSED);
        assertThat(cluster.get("agent").getStatus().getPhase())
                .isEqualTo(dev.agentsandbox.operator.api.v1alpha1.SandboxPhase.PAUSED);
        eventually().until(() -> withReason(cluster, "Idle").size() == 1);

        cluster.edit("agent", s -> {
            s.getSpec().getLifecycle().setMode(dev.agentsandbox.operator.api.v1alpha1.LifecycleMode.RUNNING);
            return s;
        });
        eventually().until(() -> cluster.pod("agent").isPresent());
        cluster.markPodReady("agent");
        cluster.awaitCondition("agent", "Ready", "True", "PodReady");
        // Resumed: its old last activity does not pause it again at once.
        String seen = cluster.get("agent").getMetadata().getResourceVersion();
        sidecars.proxy("{\"allowed\":2,\"denied\":0,\"lastActivity\":\"" + longAgo + "\"}");
        eventually().until(() -> !seen.equals(cluster.get("agent").getMetadata().getResourceVersion()));
        assertThat(cluster.condition("agent", "Ready")).hasValueSatisfying(c -> assertThat(c.reason()).isEqualTo("PodReady"));
    }
}
