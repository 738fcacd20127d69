package dev.agentsandbox.chart;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodSecurityContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The operator and sidecar images have one build definition each: Jib in the module's pom.xml (ImagesIT in the
 * operator module checks the images it builds). These checks tie that definition to the build and to the chart.
 */
class ImageDefinitionsTest {

    private static final String RELEASE_REGISTRY = "ghcr.io/agentsandbox";

    @Test
    void aReleaseBuildNamesTheImagesAsTheChartDeploysThem() {
        String appVersion = ChartMetadata.appVersion();
        RenderedChart chart = RenderedChart.withDefaults();

        assertThat(releaseName(jib("operator"))).isEqualTo(RELEASE_REGISTRY + "/operator:" + appVersion)
                .isEqualTo(OperatorDeploymentTest.operatorContainer(chart).getImage());
        assertThat(OperatorDeploymentTest.env(chart))
                .containsEntry("AGENTSANDBOX_SIDECAR_IMAGE", releaseName(jib("bridge-sidecar")));
    }

    @Test
    void operatorImageRunsTheQuarkusFastJarAsTheUserTheChartNames() {
        Element jib = jib("operator");
        PodSecurityContext pod = RenderedChart.withDefaults().operatorDeployment().getSpec().getTemplate().getSpec()
                .getSecurityContext();

        assertThat(text(jib, "user")).isEqualTo(pod.getRunAsUser() + ":" + pod.getRunAsGroup());
        assertThat(pod.getRunAsUser()).isPositive();
        assertThat(values((Element) jib.getElementsByTagName("extraDirectories").item(0), "from")).containsExactly("${project.build.directory}/quarkus-app/lib",
                "${project.build.directory}/quarkus-app/quarkus", "${project.build.directory}/quarkus-app/app",
                "${project.build.directory}/quarkus-app");
        assertThat(values(jib, "arg")).endsWith("-jar", "/deployments/quarkus-run.jar")
                .contains("-XX:+UseSerialGC", "-Xss512k", "-XX:+ExitOnOutOfMemoryError")
                .anyMatch(arg -> arg.startsWith("-XX:MaxRAMPercentage="));
        assertThat(text(jib, "image")).isEqualTo("tar://${agentsandbox.images.dir}/base/java.tar");
    }

    @Test
    void sidecarImageRunsTheShadedJarTheBuildProducesOnTheBaseWithIptables() throws Exception {
        Element jib = jib("bridge-sidecar");
        String finalName = text(pom("bridge-sidecar").getDocumentElement(), "finalName");

        assertThat(text(jib, "includes")).isEqualTo("${project.build.finalName}.jar");
        assertThat(finalName).isEqualTo("agentsandbox-sidecar");
        assertThat(values(jib, "arg")).contains("-jar", "/opt/agentsandbox/${project.build.finalName}.jar")
                .contains("-XX:+UseSerialGC", "-Xss512k", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError")
                // The heap follows the container's memory limit, and Netty's buffers are inside it (else they are
                // direct memory as large again): what keeps the JVM under the limits the operator sets.
                .contains("-XX:MaxRAMPercentage=50", "-Dio.netty.noPreferDirect=true")
                .endsWith("proxy");
        // Non-root when run on its own; the operator sets 1337/1338 (and root for egress-init) per container.
        assertThat(text(jib, "user")).matches("[1-9][0-9]*:[1-9][0-9]*");
        assertThat(text(jib, "image")).isEqualTo("tar://${agentsandbox.images.dir}/base/sidecar.tar");
        String script = RepositoryFiles.read("hack/build-images.sh");
        assertThat(script).contains("build_java_base sidecar \"${JAVA_RUNTIME_PACKAGES},iptables\" \"$IPTABLES_NFT\"")
                .contains("ln -sf \"${family}-nft${tool}\" \"$1/usr/sbin/${family}${tool}\"");
    }

    @Test
    void noSecondBuildDefinitionCanDrift() throws Exception {
        try (var files = Files.walk(RepositoryFiles.ROOT)) {
            List<Path> dockerfiles = files.filter(path -> !path.toString().contains("/target/")
                            && !path.toString().contains("/.git/"))
                    .filter(path -> path.getFileName().toString().startsWith("Dockerfile")
                            || path.getFileName().toString().startsWith("Containerfile"))
                    .toList();
            assertThat(dockerfiles).as("images are built by Jib (pom.xml) and hack/build-images.sh only").isEmpty();
        }
    }

    /** The name a release gives the image: the pom's name with the release registry and the chart's version. */
    private static String releaseName(Element jib) {
        return text((Element) jib.getElementsByTagName("to").item(0), "image")
                .replace("${image.registry}", RELEASE_REGISTRY)
                .replace("${image.tag}", ChartMetadata.appVersion());
    }

    private static Element jib(String module) {
        try {
            NodeList plugins = pom(module).getElementsByTagName("plugin");
            for (int i = 0; i < plugins.getLength(); i++) {
                Element plugin = (Element) plugins.item(i);
                if ("jib-maven-plugin".equals(text(plugin, "artifactId"))) {
                    return (Element) plugin.getElementsByTagName("configuration").item(0);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        throw new AssertionError(module + "/pom.xml configures no jib-maven-plugin");
    }

    private static org.w3c.dom.Document pom(String module) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(RepositoryFiles.ROOT.resolve(module + "/pom.xml").toFile());
    }

    private static String text(Element parent, String tag) {
        Node node = parent.getElementsByTagName(tag).item(0);
        assertThat(node).as("<%s> under <%s>", tag, parent.getTagName()).isNotNull();
        return node.getTextContent().trim();
    }

    private static List<String> values(Element parent, String tag) {
        NodeList nodes = parent.getElementsByTagName(tag);
        List<String> values = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            values.add(nodes.item(i).getTextContent().trim());
        }
        return values;
    }
}
