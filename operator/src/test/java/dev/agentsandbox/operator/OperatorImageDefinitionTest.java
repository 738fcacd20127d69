package dev.agentsandbox.operator;

import dev.agentsandbox.operator.testing.ClusterFixtures;
import dev.agentsandbox.operator.testing.JibDefinition;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator image's one build definition (Jib in this module's pom.xml) runs the Quarkus fast-jar this module
 * builds, on the jlinked Java base (ImagesIT runs the built image; the chart's tests check the user it names).
 */
class OperatorImageDefinitionTest {

    @Test
    void theImageRunsTheQuarkusFastJarOnTheJavaBase() {
        JibDefinition jib = JibDefinition.of(ClusterFixtures.repositoryFile("operator/pom.xml"));

        assertThat(jib.extraDirectorySources()).containsExactly("${project.build.directory}/quarkus-app/lib",
                "${project.build.directory}/quarkus-app/quarkus", "${project.build.directory}/quarkus-app/app",
                "${project.build.directory}/quarkus-app");
        assertThat(jib.values("arg")).endsWith("-jar", "/deployments/quarkus-run.jar")
                .contains("-XX:+UseSerialGC", "-Xss512k", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError")
                .anyMatch(arg -> arg.startsWith("-XX:MaxRAMPercentage="));
        // Two C library arenas: the JVM's threads otherwise each keep freed memory in an arena of their own.
        assertThat(jib.text("MALLOC_ARENA_MAX")).isEqualTo("2");
        assertThat(jib.text("image")).isEqualTo("tar://${agentsandbox.images.dir}/base/java.tar");
    }
}
