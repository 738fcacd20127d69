package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.VolumeMount;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

class AgentTrustTest {

    private static final String SYSTEM_ROOTS = "-----BEGIN CERTIFICATE-----\nSYSTEM\n-----END CERTIFICATE-----";
    private static final String PROXY_CA = "-----BEGIN CERTIFICATE-----\nPROXY\n-----END CERTIFICATE-----\n";

    private static Container trustInit(AgentSandbox sandbox) {
        Pod pod = new SandboxPodDependentResource().desired(TestSandboxes.plan(sandbox));
        return pod.getSpec().getInitContainers().stream().filter(c -> c.getName().equals("trust-bundle"))
                .findFirst().orElseThrow();
    }

    @Test
    void runsInTheAgentsImageAsTheAgentAndWritesOnlyItsOwnVolume() {
        AgentSandbox sandbox = TestSandboxes.full("a");
        Container init = trustInit(sandbox);

        assertThat(init.getImage()).as("the image whose trust store the agent uses")
                .isEqualTo(sandbox.getSpec().getAgent().getImage());
        assertThat(init.getRestartPolicy()).as("a plain init container: it must finish").isNull();
        assertThat(init.getSecurityContext().getRunAsUser()).isEqualTo(1000L);
        assertThat(init.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(init.getVolumeMounts()).extracting(VolumeMount::getName, VolumeMount::getMountPath,
                VolumeMount::getReadOnly).containsExactlyInAnyOrder(
                tuple("proxy-ca", "/var/run/agentsandbox/ca", true),
                tuple("agent-trust", "/var/run/agentsandbox/trust", false));
        assertThat(init.getCommand()).startsWith("/bin/sh", "-c")
                .contains("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt");
    }

    @Test
    void bundleIsTheImagesFirstSystemBundleFollowedByTheProxyCa(@TempDir Path dir) throws Exception {
        Path redHat = Files.writeString(dir.resolve("redhat-bundle.crt"), SYSTEM_ROOTS);
        Path bundle = run(dir, List.of(dir.resolve("missing.crt").toString(), dir.resolve("empty.crt").toString(),
                redHat.toString(), dir.resolve("later.crt").toString()));

        assertThat(Files.readString(bundle)).isEqualTo(SYSTEM_ROOTS + "\n" + PROXY_CA);
        assertThat(dir.resolve("trust")).isDirectoryNotContaining(p -> p.toString().endsWith(".tmp"));
    }

    @Test
    void withoutASystemBundleTheProxyCaIsStillTrusted(@TempDir Path dir) throws Exception {
        Path bundle = run(dir, List.of(dir.resolve("missing.crt").toString()));

        assertThat(Files.readString(bundle)).isEqualTo(PROXY_CA);
    }

    /** The container's command and environment, with the paths moved into {@code dir}, run by the local sh. */
    private static Path run(Path dir, List<String> systemBundles) throws IOException, InterruptedException {
        Files.writeString(dir.resolve("empty.crt"), "");
        Path ca = Files.writeString(dir.resolve("ca.crt"), PROXY_CA);
        Path bundle = Files.createDirectories(dir.resolve("trust")).resolve("ca-bundle.crt");
        Container init = trustInit(TestSandboxes.minimal("a"));
        Map<String, String> env = init.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
        assertThat(env).containsEntry("PROXY_CA", "/var/run/agentsandbox/ca/ca.crt")
                .containsEntry("BUNDLE", "/var/run/agentsandbox/trust/ca-bundle.crt");

        List<String> command = new ArrayList<>(init.getCommand().subList(0, 4)); // sh -c script $0
        command.addAll(systemBundles);
        ProcessBuilder process = new ProcessBuilder(command).redirectErrorStream(true);
        process.environment().put("PROXY_CA", ca.toString());
        process.environment().put("BUNDLE", bundle.toString());
        Process started = process.start();
        String output = new String(started.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(started.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(started.exitValue()).as(output).isZero();
        return bundle;
    }
}
