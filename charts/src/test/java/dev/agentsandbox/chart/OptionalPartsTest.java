package dev.agentsandbox.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OptionalPartsTest {

    private final RenderedChart defaults = RenderedChart.withDefaults();
    private final RenderedChart everything = RenderedChart.withValuesFile(RenderedChart.ALL_OPTIONAL_PARTS);

    @Test
    void optionalPartsAreOffByDefault() {
        assertThat(defaults.all(RuntimeClass.class)).isEmpty();
        assertThat(defaults.ofKind("ServiceMonitor")).isEmpty();
        assertThat(defaults.ofKind("PrometheusRule")).isEmpty();
        assertThat(defaults.all(ConfigMap.class)).noneMatch(c -> c.getMetadata().getName().endsWith("-dashboard"));
        assertThat(defaults.all(PersistentVolumeClaim.class)).isEmpty();
        assertThat(defaults.all(Deployment.class)).extracting(d -> d.getMetadata().getName())
                .containsExactly(RenderedChart.RELEASE);
    }

    @Test
    void runtimeClassesCarryHandlerOverheadAndScheduling() {
        RuntimeClass kata = everything.named(RuntimeClass.class, "kata");
        RuntimeClass gvisor = everything.named(RuntimeClass.class, "gvisor");

        assertThat(kata.getHandler()).isEqualTo("kata-qemu");
        assertThat(kata.getOverhead().getPodFixed())
                .containsEntry("cpu", new Quantity("250m"))
                .containsEntry("memory", new Quantity("160Mi"));
        assertThat(kata.getScheduling().getNodeSelector()).containsEntry("katacontainers.io/kata-runtime", "true");

        assertThat(gvisor.getHandler()).isEqualTo("runsc");
        assertThat(gvisor.getOverhead().getPodFixed()).containsOnly(Map.entry("memory", new Quantity("64Mi")));
        assertThat(gvisor.getScheduling().getNodeSelector()).containsEntry("runtime.example/gvisor", "true");
        assertThat(gvisor.getScheduling().getTolerations()).singleElement()
                .satisfies(t -> assertThat(t.getKey()).isEqualTo("sandbox"));
    }

    @Test
    void serviceMonitorScrapesQuarkusMetricsThroughTheMetricsService() {
        GenericKubernetesResource monitor = (GenericKubernetesResource) everything.ofKind("ServiceMonitor").get(0);
        Service metrics = everything.named(Service.class, RenderedChart.RELEASE + "-metrics");

        assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "kube-prometheus-stack");
        Map<String, String> selected = monitor.get("spec", "selector", "matchLabels");
        assertThat(selected).isNotEmpty();
        assertThat(metrics.getMetadata().getLabels()).containsAllEntriesOf(selected);
        List<Map<String, Object>> endpoints = monitor.get("spec", "endpoints");
        assertThat(endpoints).singleElement().satisfies(endpoint -> {
            assertThat(endpoint).containsEntry("port", "http-metrics").containsEntry("path", "/q/metrics");
        });
    }

    @Test
    void theDashboardIsAConfigMapTheGrafanaSidecarLoads() throws Exception {
        ConfigMap dashboard = everything.named(ConfigMap.class, RenderedChart.RELEASE + "-dashboard");

        assertThat(dashboard.getMetadata().getNamespace()).isEqualTo("monitoring");
        assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        assertThat(dashboard.getMetadata().getAnnotations()).containsEntry("grafana_folder", "AgentSandbox");
        JsonNode json = new ObjectMapper().readTree(dashboard.getData().get("agentsandbox.json"));
        assertThat(json.get("uid").asText()).isEqualTo("agentsandbox");
        assertThat(json.get("panels")).isNotEmpty().allSatisfy(panel ->
                assertThat(panel.get("targets")).allSatisfy(t -> assertThat(t.get("expr").asText()).isNotBlank()));
    }

    @Test
    void theAlertRulesCarryTheirThresholdsAndPrometheusTemplates() {
        GenericKubernetesResource rule = (GenericKubernetesResource) everything.ofKind("PrometheusRule").get(0);

        assertThat(rule.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(rule.getMetadata().getLabels()).containsEntry("release", "kube-prometheus-stack");
        List<Map<String, Object>> groups = rule.get("spec", "groups");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rules = (List<Map<String, Object>>) groups.get(0).get("rules");
        assertThat(rules).extracting(r -> r.get("alert")).containsExactly("AgentSandboxTokenBudgetNearlySpent",
                "AgentSandboxDenialSpike", "AgentSandboxNotReady");
        assertThat((String) rules.get(0).get("expr")).contains("< 0.1");
        assertThat((String) rules.get(1).get("expr")).contains("> 45");
        assertThat(rules.get(2)).containsEntry("for", "15m");
        @SuppressWarnings("unchecked")
        Map<String, String> annotations = (Map<String, String>) rules.get(2).get("annotations");
        assertThat(annotations.get("summary")).contains("{{ $labels.namespace }}/{{ $labels.sandbox }}");
    }

    @Test
    void modelRunnerServesPort80FromContainerPort12434() {
        Service service = everything.named(Service.class, "docker-model-runner");
        Deployment runner = everything.named(Deployment.class, RenderedChart.RELEASE + "-model-runner");
        Container container = container(runner, "model-runner");

        assertThat(service.getSpec().getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getPort()).isEqualTo(80);
            assertThat(port.getTargetPort().getStrVal()).isEqualTo("http");
        });
        assertThat(container.getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getName()).isEqualTo("http");
            assertThat(port.getContainerPort()).isEqualTo(12434);
        });
        assertThat(runner.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(container.getImage()).isEqualTo("docker/model-runner:v1.2.6");
        for (var probe : List.of(container.getLivenessProbe(), container.getReadinessProbe(),
                container.getStartupProbe())) {
            assertThat(probe.getHttpGet().getPath()).isEqualTo("/engines/status");
        }
    }

    @Test
    void modelRunnerKeepsModelsOnAClaimAndPullsTheConfiguredModels() {
        Deployment runner = everything.named(Deployment.class, RenderedChart.RELEASE + "-model-runner");
        PersistentVolumeClaim models = everything.named(PersistentVolumeClaim.class, RenderedChart.RELEASE + "-models");
        Container puller = container(runner, "model-puller");

        assertThat(models.getSpec().getResources().getRequests()).containsEntry("storage", new Quantity("80Gi"));
        assertThat(models.getSpec().getStorageClassName()).isEqualTo("fast-ssd");
        assertThat(runner.getSpec().getTemplate().getSpec().getVolumes())
                .anySatisfy(v -> assertThat(v.getPersistentVolumeClaim().getClaimName())
                        .isEqualTo(models.getMetadata().getName()));
        assertThat(runner.getSpec().getStrategy().getType()).isEqualTo("Recreate");
        assertThat(puller.getArgs()).endsWith("ai/qwen2.5:7B-Q4_K_M", "ai/smollm2:360M-Q4_K_M");
        assertThat(puller.getArgs().get(0)).contains("/models/create");
        assertThat(puller.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(runner.getSpec().getTemplate().getSpec().getAutomountServiceAccountToken()).isFalse();
        assertThat(container(runner, "model-runner").getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    }

    @Test
    void operatorDefaultsPointAtTheInClusterModelRunner() {
        Service service = everything.named(Service.class, "docker-model-runner");

        assertThat(OperatorDeploymentTest.env(everything))
                .containsEntry("AGENTSANDBOX_MODEL_RUNNER_SERVICE", service.getMetadata().getName())
                .containsEntry("AGENTSANDBOX_MODEL_RUNNER_NAMESPACE", service.getMetadata().getNamespace())
                .containsEntry("AGENTSANDBOX_MODEL_RUNNER_PORT", String.valueOf(service.getSpec().getPorts().get(0).getPort()));
    }

    private static Container container(Deployment deployment, String name) {
        return deployment.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    }
}
