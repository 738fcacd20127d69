package dev.agentsandbox.chart;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodSecurityContext;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/** The images cannot be built here (no Docker): these checks tie the Dockerfiles to the build and to the chart. */
class DockerfilesTest {

    private static final String OPERATOR = RepositoryFiles.read("operator/src/main/docker/Dockerfile.jvm");
    private static final String SIDECAR = RepositoryFiles.read("bridge-sidecar/Dockerfile");
    private static final Pattern USER = Pattern.compile("(?m)^USER (\\d+)(?::(\\d+))?\\s*$");

    @Test
    void imagesAreBuiltUnderTheNamesAndTagTheChartDeploys() {
        String appVersion = ChartMetadata.appVersion();
        RenderedChart chart = RenderedChart.withDefaults();

        assertThat(OPERATOR).contains("-t ghcr.io/agentsandbox/operator:" + appVersion + " ");
        assertThat(SIDECAR).contains("-t ghcr.io/agentsandbox/sidecar:" + appVersion + " ");
        assertThat(OperatorDeploymentTest.operatorContainer(chart).getImage())
                .isEqualTo("ghcr.io/agentsandbox/operator:" + appVersion);
        assertThat(OperatorDeploymentTest.env(chart))
                .containsEntry("AGENTSANDBOX_SIDECAR_IMAGE", "ghcr.io/agentsandbox/sidecar:" + appVersion);
    }

    @Test
    void operatorImageRunsTheQuarkusFastJarAsTheUserTheChartNames() {
        PodSecurityContext pod = RenderedChart.withDefaults().operatorDeployment().getSpec().getTemplate().getSpec()
                .getSecurityContext();

        assertThat(OPERATOR).contains("COPY --chown=65532:65532 target/quarkus-app/lib/")
                .contains("\"-jar\", \"/deployments/quarkus-run.jar\"");
        assertThat(nonRootUser(OPERATOR)).isEqualTo(pod.getRunAsUser());
        assertSmallFootprintFlags(OPERATOR);
    }

    @Test
    void sidecarImageRunsTheShadedJarTheBuildProducesAndCarriesIptables() throws Exception {
        Element build = (Element) DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(RepositoryFiles.ROOT.resolve("bridge-sidecar/pom.xml").toFile())
                .getElementsByTagName("build").item(0);
        String finalName = build.getElementsByTagName("finalName").item(0).getTextContent().trim();

        assertThat(SIDECAR).contains("COPY target/" + finalName + ".jar ")
                .contains("\"-jar\", \"/app/" + finalName + ".jar\"")
                .contains("apt-get install -y --no-install-recommends iptables")
                .contains("update-alternatives --set iptables /usr/sbin/iptables-nft")
                .contains("\"-XX:TieredStopAtLevel=1\"");
        assertThat(nonRootUser(SIDECAR)).isPositive();
        assertSmallFootprintFlags(SIDECAR);
    }

    private static long nonRootUser(String dockerfile) {
        Matcher user = USER.matcher(dockerfile);
        assertThat(user.find()).as("a numeric USER (kubelet can then verify runAsNonRoot)").isTrue();
        long uid = Long.parseLong(user.group(1));
        assertThat(uid).as("USER").isPositive();
        assertThat(user.find()).as("a single USER line").isFalse();
        return uid;
    }

    private static void assertSmallFootprintFlags(String dockerfile) {
        assertThat(dockerfile).contains("\"-XX:+UseSerialGC\"", "\"-Xss512k\"", "\"-XX:MaxRAMPercentage=");
    }
}
