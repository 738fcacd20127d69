package dev.agentsandbox.chart;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad values are refused at install time with a message naming the value and what is wrong. */
class ValuesValidationTest {

    static Stream<Arguments> schemaViolations() {
        return Stream.of(
                Arguments.of("unknown egress enforcement mode", Map.of("operator.egressEnforcement", "ebpf"),
                        "at '/operator/egressEnforcement': value must be one of 'networkpolicy', 'iptables'"),
                Arguments.of("RuntimeClass handler that is not a DNS label",
                        Map.of("operator.iptablesUnsupportedHandlers[0]", "Run SC"),
                        "at '/operator/iptablesUnsupportedHandlers/0': 'Run SC' does not match pattern"),
                Arguments.of("allowWeakerEnforcement given as text", Map.of("operator.allowWeakerEnforcement", "yes"),
                        "at '/operator/allowWeakerEnforcement': got string, want boolean"),
                Arguments.of("misspelt top-level value", Map.of("replica", 2),
                        "additional properties 'replica' not allowed"),
                Arguments.of("misspelt nested value", Map.of("operator.watchNamespace[0]", "team-a"),
                        "at '/operator': additional properties 'watchNamespace' not allowed"),
                Arguments.of("zero replicas", Map.of("replicas", 0),
                        "at '/replicas': minimum: got 0, want 1"),
                Arguments.of("image tag with a space", Map.of("image.tag", "latest version"),
                        "at '/image/tag': 'latest version' does not match pattern"),
                Arguments.of("runtime class that is not a DNS name", Map.of("operator.runtime.defaultClass", "Kata_VM"),
                        "at '/operator/runtime/defaultClass': 'Kata_VM' does not match pattern"),
                Arguments.of("namespace that is not a DNS label", Map.of("operator.watchNamespaces[0]", "Team A"),
                        "at '/operator/watchNamespaces/0': 'Team A' does not match pattern"),
                Arguments.of("port out of range", Map.of("operator.modelRunner.port", 70000),
                        "at '/operator/modelRunner/port': maximum: got 70,000, want 65,535"),
                Arguments.of("model storage size that is not a quantity", Map.of("modelRunner.storage.size", "lots"),
                        "at '/modelRunner/storage/size': 'lots' does not match pattern"),
                Arguments.of("model name that could break the pull request", Map.of("modelRunner.models[0]", "ai/qwen\"x"),
                        "at '/modelRunner/models/0'"),
                Arguments.of("boolean given as text", Map.of("metrics.service.enabled", "yes"),
                        "at '/metrics/service/enabled': got string, want boolean"),
                Arguments.of("leader election switch, which the operator does not have",
                        Map.of("leaderElection.enabled", false),
                        "at '/leaderElection': additional properties 'enabled' not allowed"),
                Arguments.of("empty git image", Map.of("operator.gitImage", ""),
                        "at '/operator/gitImage'"),
                Arguments.of("sidecar memory that is not a quantity", Map.of("sidecar.resources.bridge.memory", "lots"),
                        "at '/sidecar/resources/bridge/memory': 'lots' does not match pattern"),
                Arguments.of("AdminNetworkPolicy priority out of range", Map.of("sandboxEgressFloor.priority", 1001),
                        "at '/sandboxEgressFloor/priority': maximum: got 1,001, want 1,000"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemaViolations")
    void schemaRefusesBadValues(String description, Map<String, Object> values, String expectedMessage) {
        assertThatThrownBy(() -> RenderedChart.template(values, null))
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining(expectedMessage);
    }

    static Stream<Arguments> crossFieldViolations() {
        return Stream.of(
                Arguments.of("default runtime class not allowed",
                        Map.of("operator.runtime.defaultClass", "runc"),
                        "operator.runtime.defaultClass \"runc\" is not in operator.runtime.allowedClasses [kata gvisor]"),
                Arguments.of("in-cluster runner under another name than the operator default",
                        Map.of("modelRunner.enabled", true, "modelRunner.serviceName", "models"),
                        "modelRunner.serviceName \"models\" differs from operator.modelRunner.service"),
                Arguments.of("service monitor without the metrics service",
                        Map.of("metrics.serviceMonitor.enabled", true, "metrics.service.enabled", false),
                        "metrics.serviceMonitor.enabled needs metrics.service.enabled"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("crossFieldViolations")
    void templatesRefuseInconsistentValues(String description, Map<String, Object> values, String expectedMessage) {
        assertThatThrownBy(() -> RenderedChart.template(values, null)).hasMessageContaining(expectedMessage);
    }
}
