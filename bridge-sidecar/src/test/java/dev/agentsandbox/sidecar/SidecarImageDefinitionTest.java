package dev.agentsandbox.sidecar;

import dev.agentsandbox.operator.testing.JibDefinition;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sidecar image's one build definition (Jib in this module's pom.xml) runs the shaded jar this module builds, on
 * the base with iptables that egress-init needs (ImagesIT in the operator module runs the built image).
 */
class SidecarImageDefinitionTest {

    private static final Path ROOT = Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();

    @Test
    void theImageRunsTheShadedJarTheBuildProducesOnTheBaseWithIptables() throws Exception {
        JibDefinition jib = JibDefinition.of(ROOT.resolve("bridge-sidecar/pom.xml"));

        assertThat(jib.text("includes")).isEqualTo("${project.build.finalName}.jar");
        assertThat(jib.pomText("finalName")).isEqualTo("agentsandbox-sidecar");
        assertThat(jib.values("arg")).contains("-jar", "/opt/agentsandbox/${project.build.finalName}.jar")
                .contains("-XX:+UseSerialGC", "-Xss512k", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError")
                // The heap follows the container's memory limit, and Netty's buffers are inside it (else they are
                // direct memory as large again): what keeps the JVM under the limits the operator sets.
                .contains("-XX:MaxRAMPercentage=50", "-Dio.netty.noPreferDirect=true")
                .endsWith("proxy");
        // Non-root when run on its own; the operator sets 1337/1338 (and root for egress-init) per container.
        assertThat(jib.text("user")).matches("[1-9][0-9]*:[1-9][0-9]*");
        assertThat(jib.text("image")).isEqualTo("tar://${agentsandbox.images.dir}/base/sidecar.tar");
        String script = Files.readString(ROOT.resolve("hack/build-images.sh"));
        assertThat(script).contains("build_java_base sidecar \"${JAVA_RUNTIME_PACKAGES},iptables\" \"$IPTABLES_NFT\"")
                .contains("ln -sf \"${family}-nft${tool}\" \"$1/usr/sbin/${family}${tool}\"");
    }
}
