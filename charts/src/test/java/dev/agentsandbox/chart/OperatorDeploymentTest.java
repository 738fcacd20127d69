package dev.agentsandbox.chart;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class OperatorDeploymentTest {

    private static final String APP_VERSION = ChartMetadata.appVersion();

    private final RenderedChart defaults = RenderedChart.withDefaults();

    @Test
    void defaultImagesAreTheProjectImagesTaggedWithTheAppVersion() {
        assertThat(operatorContainer(defaults).getImage()).isEqualTo("ghcr.io/agentsandbox/operator:" + APP_VERSION);
        assertThat(env(defaults)).containsEntry("AGENTSANDBOX_SIDECAR_IMAGE", "ghcr.io/agentsandbox/sidecar:" + APP_VERSION);
    }

    @Test
    void operatorSettingsReachTheOperatorAsEnvironmentVariables() {
        assertThat(env(defaults))
                .containsEntry("AGENTSANDBOX_RUNTIME_CLASS_DEFAULT", "kata")
                .containsEntry("AGENTSANDBOX_RUNTIME_CLASS_ALLOWED", "kata,gvisor")
                .containsEntry("AGENTSANDBOX_GIT_IMAGE", "docker.io/alpine/git:2.47.2")
                .containsEntry("AGENTSANDBOX_MODEL_RUNNER_SERVICE", "docker-model-runner")
                .containsEntry("AGENTSANDBOX_MODEL_RUNNER_NAMESPACE", RenderedChart.NAMESPACE)
                .containsEntry("AGENTSANDBOX_MODEL_RUNNER_PORT", "80")
                .containsEntry("AGENTSANDBOX_MODEL_RUNNER_ENGINE", "llama.cpp")
                .containsEntry("AGENTSANDBOX_ENFORCEMENT_MODE", "networkpolicy")
                .containsEntry("AGENTSANDBOX_ALLOW_WEAKER_ENFORCEMENT", "false")
                .containsEntry("AGENTSANDBOX_IPTABLES_UNSUPPORTED_HANDLERS", "runsc")
                .containsEntry("AGENTSANDBOX_WATCH_NAMESPACES", "JOSDK_ALL_NAMESPACES")
                .containsEntry("AGENTSANDBOX_LEADER_ELECTION_LEASE_NAME", "agentsandbox-operator-leader")
                .doesNotContainKey("AGENTSANDBOX_LEADER_ELECTION_ENABLED")
                .as("no ranges allowed unless the values list some").containsEntry("AGENTSANDBOX_EGRESS_ALLOW_CIDRS", "");
        EnvVar namespace = operatorContainer(defaults).getEnv().stream()
                .filter(e -> e.getName().equals("AGENTSANDBOX_OPERATOR_NAMESPACE")).findFirst().orElseThrow();
        assertThat(namespace.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
    }

    @Test
    void changedValuesChangeTheSettings() {
        RenderedChart custom = RenderedChart.withValuesFile(RenderedChart.ALL_OPTIONAL_PARTS);

        assertThat(operatorContainer(custom).getImage()).isEqualTo("ghcr.io/agentsandbox/operator:0.2.0-rc1");
        assertThat(env(custom))
                .containsEntry("AGENTSANDBOX_SIDECAR_IMAGE", "registry.example:5000/mirror/sidecar:0.2.0-rc1")
                .containsEntry("AGENTSANDBOX_RUNTIME_CLASS_DEFAULT", "gvisor")
                .containsEntry("AGENTSANDBOX_RUNTIME_CLASS_ALLOWED", "gvisor,kata")
                .containsEntry("AGENTSANDBOX_GIT_IMAGE", "registry.example:5000/mirror/git:2.47.2")
                .containsEntry("AGENTSANDBOX_ENFORCEMENT_MODE", "iptables")
                .containsEntry("AGENTSANDBOX_ALLOW_WEAKER_ENFORCEMENT", "true")
                .containsEntry("AGENTSANDBOX_IPTABLES_UNSUPPORTED_HANDLERS", "runsc,runsc-kvm")
                .containsEntry("AGENTSANDBOX_EGRESS_ALLOW_CIDRS", "10.20.0.0/16,192.168.7.0/24")
                .containsEntry("AGENTSANDBOX_WATCH_NAMESPACES", "team-a,team-b")
                .containsEntry("AGENTSANDBOX_LEADER_ELECTION_LEASE_NAME", "sandbox-operator-lease")
                .containsEntry("QUARKUS_LOG_LEVEL", "DEBUG");
        assertThat(custom.operatorDeployment().getSpec().getReplicas()).isEqualTo(2);
    }

    /** The sandboxes' NetworkPolicies admit the sidecars' admin ports only from pods matching this selector. */
    @Test
    void operatorPodSelectorSelectsTheOperatorPodsOnly() {
        RenderedChart renamed = RenderedChart.withValues(Map.of("nameOverride", "sandboxes", "modelRunner.enabled", true));
        for (RenderedChart chart : List.of(RenderedChart.withValuesFile(RenderedChart.ALL_OPTIONAL_PARTS), renamed)) {
            Map<String, String> selector = Arrays.stream(env(chart).get("AGENTSANDBOX_OPERATOR_POD_SELECTOR").split(","))
                    .map(entry -> entry.split("=", 2))
                    .collect(Collectors.toMap(pair -> pair[0], pair -> pair[1]));
            Map<Boolean, List<Map<String, String>>> podLabelsByIsOperator = chart.all(Deployment.class).stream()
                    .collect(Collectors.partitioningBy(OperatorDeploymentTest::runsTheOperator,
                            Collectors.mapping(d -> d.getSpec().getTemplate().getMetadata().getLabels(),
                                    Collectors.toList())));

            assertThat(selector).as("%s", chart).containsKeys("app.kubernetes.io/name", "app.kubernetes.io/instance");
            assertThat(podLabelsByIsOperator.get(true)).as("%s", chart).singleElement()
                    .satisfies(labels -> assertThat(labels).containsAllEntriesOf(selector));
            // The Model Runner's pods must not pass for the operator's.
            assertThat(podLabelsByIsOperator.get(false)).as("%s", chart).isNotEmpty()
                    .noneSatisfy(labels -> assertThat(labels).containsAllEntriesOf(selector));
        }
    }

    private static boolean runsTheOperator(Deployment deployment) {
        return deployment.getSpec().getTemplate().getSpec().getContainers().stream()
                .anyMatch(c -> c.getName().equals("operator"));
    }

    @Test
    void probesUseQuarkusHealthEndpointsOnPort8080() {
        Container operator = operatorContainer(defaults);

        assertThat(operator.getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getName()).isEqualTo("http");
            assertThat(port.getContainerPort()).isEqualTo(8080);
        });
        assertHttpProbe(operator.getLivenessProbe(), "/q/health/live");
        assertHttpProbe(operator.getReadinessProbe(), "/q/health/ready");
        assertHttpProbe(operator.getStartupProbe(), "/q/health/started");
    }

    @Test
    void runsRestrictedNonRootWithAReadOnlyRootFilesystem() {
        PodSpec pod = defaults.operatorDeployment().getSpec().getTemplate().getSpec();
        Container operator = operatorContainer(defaults);

        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(operator.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(operator.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(operator.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(operator.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
        assertThat(operator.getResources().getLimits()).containsKey("memory");
        assertThat(operator.getResources().getRequests()).containsKeys("cpu", "memory");
    }

    @Test
    void runsUnderItsOwnServiceAccount() {
        ServiceAccount account = defaults.named(ServiceAccount.class, RenderedChart.RELEASE);

        assertThat(defaults.operatorDeployment().getSpec().getTemplate().getSpec().getServiceAccountName())
                .isEqualTo(account.getMetadata().getName());
    }

    @Test
    void metricsServiceSelectsTheOperatorPodsAndServesQuarkusMetrics() {
        Service metrics = defaults.named(Service.class, RenderedChart.RELEASE + "-metrics");
        Deployment deployment = defaults.operatorDeployment();

        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(metrics.getSpec().getSelector());
        assertThat(metrics.getSpec().getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getName()).isEqualTo("http-metrics");
            assertThat(port.getTargetPort().getStrVal()).isEqualTo("http");
        });
        assertThat(defaults.ofKind("ServiceMonitor")).isEmpty();
    }

    /** hack/local-node-values.yaml: the embedded node's local images, and the operator Pod on the tainted node. */
    @Test
    void localNodeValuesPlaceTheOperatorOnTheTaintedNodeWithImagesItNeverPulls() {
        RenderedChart local = RenderedChart.withValuesFile(RepositoryFiles.ROOT.resolve("hack/local-node-values.yaml"));
        PodSpec pod = local.operatorDeployment().getSpec().getTemplate().getSpec();

        assertThat(pod.getNodeSelector()).containsExactly(Map.entry("agentsandbox.dev/real-node", "true"));
        assertThat(pod.getTolerations()).singleElement().satisfies(toleration -> {
            assertThat(toleration.getKey()).isEqualTo("agentsandbox.dev/real-node");
            assertThat(toleration.getOperator()).isEqualTo("Exists");
            assertThat(toleration.getEffect()).isEqualTo("NoSchedule");
        });
        assertThat(operatorContainer(local).getImage()).isEqualTo("localhost/agentsandbox/operator:dev");
        assertThat(operatorContainer(local).getImagePullPolicy()).isEqualTo("Never");
        assertThat(env(local)).containsEntry("AGENTSANDBOX_SIDECAR_IMAGE", "localhost/agentsandbox/sidecar:dev");

        PodSpec byDefault = defaults.operatorDeployment().getSpec().getTemplate().getSpec();
        assertThat(byDefault.getNodeSelector()).isNullOrEmpty();
        assertThat(byDefault.getTolerations()).isNullOrEmpty();
    }

    private static void assertHttpProbe(Probe probe, String path) {
        assertThat(probe).as("probe on %s", path).isNotNull();
        assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
        assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("http");
    }

    static Container operatorContainer(RenderedChart chart) {
        Deployment operator = chart.all(Deployment.class).stream().filter(OperatorDeploymentTest::runsTheOperator)
                .findFirst().orElseThrow();
        return operator.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals("operator")).findFirst().orElseThrow();
    }

    static Map<String, String> env(RenderedChart chart) {
        return operatorContainer(chart).getEnv().stream()
                .filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue, (a, b) -> b));
    }
}
