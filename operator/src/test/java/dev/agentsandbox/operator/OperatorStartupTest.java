package dev.agentsandbox.operator;

import dev.agentsandbox.operator.reconciler.AgentSandboxReconciler;
import io.javaoperatorsdk.operator.Operator;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** The operator starts against a (mock) API server, registers its controller and serves health and metrics. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class OperatorStartupTest {

    @Inject
    Operator operator;

    @Test
    void registersTheAgentSandboxController() {
        assertThat(operator.getRegisteredControllers())
                .anySatisfy(c -> assertThat(c.getConfiguration().getName()).isEqualTo(AgentSandboxReconciler.NAME));
    }

    @Test
    void servesLivenessAndReadiness() {
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void servesPrometheusMetrics() {
        given().when().get("/q/metrics").then().statusCode(200).body(containsString("jvm_memory_used_bytes"));
    }
}
