package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentRestartPolicy;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.EnvVarSpec;
import dev.agentsandbox.operator.api.v1alpha1.GitSpec;
import dev.agentsandbox.operator.api.v1alpha1.WorkspaceSpec;
import dev.agentsandbox.operator.api.v1alpha1.EgressEnforcement;
import dev.agentsandbox.operator.plan.EffectiveEnforcement;
import dev.agentsandbox.operator.plan.EnforcementRules;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class SandboxPodDependentResourceTest {

    private static Pod pod(AgentSandbox sandbox) {
        return new SandboxPodDependentResource().desired(TestSandboxes.plan(sandbox));
    }

    private static Container container(Pod pod, String name) {
        return Stream.concat(pod.getSpec().getInitContainers().stream(), pod.getSpec().getContainers().stream())
                .filter(c -> c.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no container " + name));
    }

    private static Map<String, String> env(Container container) {
        return container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    }

    private static List<String> initContainerNames(Pod pod) {
        return pod.getSpec().getInitContainers().stream().map(Container::getName).toList();
    }

    @Test
    void podIsNamedLabelledAndTyped() {
        Pod pod = pod(TestSandboxes.minimal("openclaw"));

        assertThat(pod.getApiVersion()).isEqualTo("v1");
        assertThat(pod.getKind()).isEqualTo("Pod");
        assertThat(pod.getMetadata().getName()).isEqualTo("openclaw-sandbox");
        assertThat(pod.getMetadata().getNamespace()).isEqualTo("team-a");
        assertThat(pod.getMetadata().getLabels())
                .containsEntry("app.kubernetes.io/managed-by", "agentsandbox-operator")
                .containsEntry("agentsandbox.dev/sandbox", "openclaw");
    }

    @Test
    void podRunsUnderTheEffectiveRuntimeClassWithoutTokenOrServiceLinks() {
        Pod pod = pod(TestSandboxes.minimal("a"));

        assertThat(pod.getSpec().getRuntimeClassName()).isEqualTo("kata");
        assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getSpec().getEnableServiceLinks()).isFalse();
        assertThat(pod.getSpec().getHostNetwork()).isNotEqualTo(Boolean.TRUE);
        assertThat(pod.getSpec().getHostPID()).isNotEqualTo(Boolean.TRUE);
        assertThat(pod.getSpec().getShareProcessNamespace()).isNotEqualTo(Boolean.TRUE);
    }

    @Test
    void theAgentsRestartPolicyIsThePodsWhileTheSidecarsRestartAlways() {
        Pod always = pod(TestSandboxes.minimal("a"));
        AgentSandbox oneShot = TestSandboxes.minimal("a");
        oneShot.getSpec().getAgent().setRestartPolicy(AgentRestartPolicy.NEVER);
        Pod never = pod(oneShot);
        oneShot.getSpec().getAgent().setRestartPolicy(AgentRestartPolicy.ON_FAILURE);
        Pod onFailure = pod(oneShot);

        assertThat(always.getSpec().getRestartPolicy()).isEqualTo("Always");
        assertThat(never.getSpec().getRestartPolicy()).isEqualTo("Never");
        assertThat(onFailure.getSpec().getRestartPolicy()).isEqualTo("OnFailure");
        assertThat(container(never, "egress-proxy").getRestartPolicy()).isEqualTo("Always");
        assertThat(container(never, "agent").getRestartPolicy()).as("the pod's policy applies").isNull();
        // A changed policy is a changed pod (replaced); no policy is Always, so existing pods stay as they are.
        oneShot.getSpec().getAgent().setRestartPolicy(AgentRestartPolicy.ALWAYS);
        assertThat(pod(oneShot).getMetadata().getAnnotations()).isEqualTo(always.getMetadata().getAnnotations());
        assertThat(never.getMetadata().getAnnotations()).isNotEqualTo(always.getMetadata().getAnnotations());
    }

    @Test
    void agentContainerIsHardened() {
        SecurityContext agent = container(pod(TestSandboxes.minimal("a")), "agent").getSecurityContext();

        assertThat(agent.getRunAsUser()).isEqualTo(1000L);
        assertThat(agent.getRunAsNonRoot()).isTrue();
        assertThat(agent.getAllowPrivilegeEscalation()).isFalse();
        assertThat(agent.getPrivileged()).isNotEqualTo(Boolean.TRUE);
        assertThat(agent.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(agent.getCapabilities().getAdd()).isEmpty();
        assertThat(agent.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    }

    @Test
    void credentialSecretsAreMountedOnlyIntoTheProxyAndOnlyTheReferencedKeys() {
        Pod pod = pod(TestSandboxes.full("a"));

        Volume credentials = pod.getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(SandboxVolumes.CREDENTIALS)).findFirst().orElseThrow();
        assertThat(credentials.getSecret()).as("a whole-Secret volume would expose every key").isNull();
        assertThat(credentials.getProjected().getSources()).allSatisfy(source -> {
            assertThat(source.getSecret()).isNotNull();
            assertThat(source.getSecret().getItems()).hasSize(1);
        });
        assertThat(credentials.getProjected().getSources().stream()
                .map(s -> s.getSecret().getName() + ":" + s.getSecret().getItems().get(0).getKey()))
                .containsExactly("anthropic-key:api-key", "gitlab-token:token");
        assertThat(credentials.getProjected().getSources().stream()
                .flatMap(s -> s.getSecret().getItems().stream()).map(KeyToPath::getPath))
                .containsExactly("anthropic/api-key", "gitlab/token");

        List<String> containersMountingCredentials = Stream.concat(pod.getSpec().getInitContainers().stream(),
                        pod.getSpec().getContainers().stream())
                .filter(c -> c.getVolumeMounts().stream().anyMatch(m -> m.getName().equals(SandboxVolumes.CREDENTIALS)))
                .map(Container::getName).toList();
        assertThat(containersMountingCredentials).containsExactly("egress-proxy");
        VolumeMount proxyMount = container(pod, "egress-proxy").getVolumeMounts().stream()
                .filter(m -> m.getName().equals(SandboxVolumes.CREDENTIALS)).findFirst().orElseThrow();
        assertThat(proxyMount.getReadOnly()).isTrue();
    }

    @Test
    void noContainerReadsASecretThroughItsEnvironment() {
        Pod pod = pod(TestSandboxes.full("a"));

        Stream.concat(pod.getSpec().getInitContainers().stream(), pod.getSpec().getContainers().stream())
                .forEach(c -> {
                    assertThat(c.getEnvFrom()).as(c.getName()).isEmpty();
                    assertThat(c.getEnv()).as(c.getName()).allSatisfy(e -> assertThat(e.getValueFrom()).isNull());
                });
    }

    @Test
    void agentEnvironmentPointsAtTheProxyBridgeAndCaWithPlaceholdersForCredentials() {
        AgentSandbox sandbox = TestSandboxes.full("a");
        sandbox.getSpec().getAgent().setEnv(List.of(new EnvVarSpec("LOG_LEVEL", "info")));

        Map<String, String> env = env(container(pod(sandbox), "agent"));

        assertThat(env).containsEntry("HTTP_PROXY", "http://127.0.0.1:3128")
                .containsEntry("HTTPS_PROXY", "http://127.0.0.1:3128")
                .containsEntry("http_proxy", "http://127.0.0.1:3128")
                .containsEntry("https_proxy", "http://127.0.0.1:3128")
                .containsEntry("NO_PROXY", "127.0.0.1,localhost")
                .containsEntry("OPENAI_BASE_URL", "http://127.0.0.1:54321/v1")
                .containsEntry("ANTHROPIC_BASE_URL", "http://127.0.0.1:54321")
                .containsEntry("ANTHROPIC_API_KEY", "proxy-managed")
                .containsEntry("GITLAB_TOKEN", "proxy-managed")
                .containsEntry("SSL_CERT_FILE", "/var/run/agentsandbox/trust/ca-bundle.crt")
                .containsEntry("REQUESTS_CA_BUNDLE", "/var/run/agentsandbox/trust/ca-bundle.crt")
                .containsEntry("GIT_SSL_CAINFO", "/var/run/agentsandbox/trust/ca-bundle.crt")
                .as("Node.js adds this file to its own roots: the proxy CA alone")
                .containsEntry("NODE_EXTRA_CA_CERTS", "/var/run/agentsandbox/ca/ca.crt")
                .containsEntry("LOG_LEVEL", "info");
    }

    @Test
    void agentMountsTheCaReadOnlyAndTheWorkspace() {
        Container agent = container(pod(TestSandboxes.minimal("a")), "agent");

        assertThat(agent.getVolumeMounts()).extracting(VolumeMount::getName, VolumeMount::getMountPath,
                        VolumeMount::getReadOnly)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("workspace", "/workspace", false),
                        org.assertj.core.groups.Tuple.tuple("proxy-ca", "/var/run/agentsandbox/ca", true),
                        org.assertj.core.groups.Tuple.tuple("agent-trust", "/var/run/agentsandbox/trust", true));
    }

    @Test
    void withoutAModelThereIsNoBridgeAndNoModelEndpoint() {
        Pod pod = pod(TestSandboxes.minimal("a"));

        assertThat(initContainerNames(pod)).containsExactly("egress-proxy", "trust-bundle");
        assertThat(env(container(pod, "agent"))).doesNotContainKeys("OPENAI_BASE_URL", "ANTHROPIC_BASE_URL");
    }

    @Test
    void proxyAndBridgeAreHardenedNativeSidecarsWithStartupProbes() {
        Pod pod = pod(TestSandboxes.full("a"));
        Container proxy = container(pod, "egress-proxy");
        Container bridge = container(pod, "model-bridge");

        assertThat(initContainerNames(pod)).containsExactly("egress-proxy", "model-bridge", "trust-bundle");
        assertThat(proxy.getImage()).isEqualTo(TestSandboxes.SIDECAR_IMAGE);
        assertThat(proxy.getArgs()).containsExactly("proxy", "--config", "/etc/agentsandbox/proxy.json",
                "--ca-dir", "/var/run/agentsandbox/ca", "--listen", "127.0.0.1:3128", "--admin", "0.0.0.0:9090",
                "--max-connections", "2048", "--max-tunnels", "1024", "--max-header-bytes", "32768",
                "--header-timeout", "30", "--idle-timeout", "600", "--connect-timeout", "10");
        assertThat(bridge.getArgs()).containsExactly("bridge", "--config", "/etc/agentsandbox/bridge.json",
                "--listen", "127.0.0.1:54321", "--admin", "0.0.0.0:9091",
                "--max-connections", "64", "--request-timeout", "60", "--max-body-bytes", "10485760",
                "--max-buffered-bytes", "50331648", "--connect-timeout", "10", "--read-timeout", "600");
        assertThat(proxy.getResources()).isEqualTo(TestSandboxes.SIDECAR_RESOURCES.proxy());
        assertThat(bridge.getResources()).isEqualTo(TestSandboxes.SIDECAR_RESOURCES.bridge());
        assertThat(proxy.getRestartPolicy()).isEqualTo("Always");
        assertThat(bridge.getRestartPolicy()).isEqualTo("Always");
        assertThat(proxy.getStartupProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        assertThat(proxy.getStartupProbe().getHttpGet().getPort().getIntVal()).isEqualTo(9090);
        assertThat(bridge.getStartupProbe().getHttpGet().getPort().getIntVal()).isEqualTo(9091);
        assertThat(proxy.getSecurityContext().getRunAsUser()).isEqualTo(1337L);
        assertThat(bridge.getSecurityContext().getRunAsUser()).isEqualTo(1338L);
        for (Container sidecar : List.of(proxy, bridge)) {
            SecurityContext context = sidecar.getSecurityContext();
            assertThat(context.getRunAsNonRoot()).isTrue();
            assertThat(context.getAllowPrivilegeEscalation()).isFalse();
            assertThat(context.getCapabilities().getDrop()).containsExactly("ALL");
            assertThat(context.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        }
        assertThat(bridge.getVolumeMounts()).extracting(VolumeMount::getName)
                .containsExactly("sidecar-config", "bridge-tmp");
        assertThat(proxy.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(proxy.getVolumeMounts()).anyMatch(m -> m.getName().equals("proxy-tmp")
                && m.getMountPath().equals("/tmp"));
    }

    @Test
    void iptablesModeAddsEgressInitFirstWithNetAdminOnly() {
        Pod pod = new SandboxPodDependentResource().desired(TestSandboxes.plan(TestSandboxes.full("a"),
                EgressEnforcement.IPTABLES));

        assertThat(initContainerNames(pod)).containsExactly("egress-init", "egress-proxy", "model-bridge",
                "trust-bundle");
        Container init = container(pod, "egress-init");
        assertThat(init.getImage()).isEqualTo(TestSandboxes.SIDECAR_IMAGE);
        assertThat(init.getArgs()).containsExactly("egress-init", "--proxy-uid", "1337", "--bridge-uid", "1338");
        assertThat(init.getResources()).isEqualTo(TestSandboxes.SIDECAR_RESOURCES.egressInit());
        assertThat(init.getRestartPolicy()).as("a plain init container: it must finish").isNull();
        assertThat(init.getSecurityContext().getCapabilities().getAdd()).containsExactly("NET_ADMIN");
        assertThat(init.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(init.getSecurityContext().getRunAsUser()).isZero();
        assertThat(init.getSecurityContext().getRunAsNonRoot()).isFalse();
        assertThat(init.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    }

    @Test
    void networkPolicyModeHasNoEgressInit() {
        assertThat(initContainerNames(pod(TestSandboxes.full("a")))).doesNotContain("egress-init");
    }

    @Test
    void aRuntimeThatCannotRunIptablesGetsNoEgressInit() {
        EffectiveEnforcement gvisor = new EnforcementRules(EgressEnforcement.IPTABLES, false, List.of("runsc"))
                .decide(null, "gvisor", Optional.of("runsc"));
        EffectiveEnforcement kata = new EnforcementRules(EgressEnforcement.IPTABLES, false, List.of("runsc"))
                .decide(null, "kata", Optional.of("kata"));

        assertThat(initContainerNames(new SandboxPodDependentResource().desired(
                TestSandboxes.plan(TestSandboxes.full("a"), gvisor))))
                .containsExactly("egress-proxy", "model-bridge", "trust-bundle");
        assertThat(initContainerNames(new SandboxPodDependentResource().desired(
                TestSandboxes.plan(TestSandboxes.full("a"), kata)))).first().isEqualTo("egress-init");
    }

    @Test
    void theProxyTrustsThePlatformsUpstreamBundleWhenTheOperatorHasOne() {
        Pod pod = new SandboxPodDependentResource().desired(TestSandboxes.planWithUpstreamTrust(
                TestSandboxes.full("a"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"));
        Container proxy = container(pod, "egress-proxy");

        assertThat(String.join(" ", proxy.getArgs())).contains("--config /etc/agentsandbox/proxy.json")
                .contains("--trust-bundle /etc/agentsandbox/upstream-trust.pem");
        assertThat(proxy.getVolumeMounts()).as("the ConfigMap's directory, where the bundle is a key")
                .anyMatch(m -> m.getName().equals("sidecar-config") && m.getMountPath().equals("/etc/agentsandbox"));
        assertThat(String.join(" ", container(pod(TestSandboxes.full("a")), "egress-proxy").getArgs()))
                .as("nothing extra without it").doesNotContain("--trust-bundle");
    }

    @Test
    void gitCloneRunsAfterTheProxyThroughItAndTrustsItsCa() {
        AgentSandbox sandbox = TestSandboxes.full("a");
        WorkspaceSpec workspace = new WorkspaceSpec();
        GitSpec git = new GitSpec();
        git.setUrl("https://github.com/org/repo.git");
        git.setRef("main");
        workspace.setGit(git);
        sandbox.getSpec().setWorkspace(workspace);

        Pod pod = pod(sandbox);
        Container clone = container(pod, "workspace-init");

        assertThat(initContainerNames(pod)).containsExactly("egress-proxy", "model-bridge", "trust-bundle",
                "workspace-init");
        assertThat(clone.getRestartPolicy()).isNull();
        assertThat(env(clone)).containsEntry("HTTPS_PROXY", "http://127.0.0.1:3128")
                .as("the bundle: a tunnelled git host is verified with the image's roots")
                .containsEntry("GIT_SSL_CAINFO", "/var/run/agentsandbox/trust/ca-bundle.crt")
                .containsEntry("GIT_URL", "https://github.com/org/repo.git")
                .containsEntry("GIT_REF", "main");
        assertThat(String.join(" ", clone.getCommand())).as("the URL is passed as a variable, not in the script")
                .doesNotContain("github.com");
        assertThat(clone.getSecurityContext().getRunAsUser()).isEqualTo(1000L);
        assertThat(clone.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(clone.getVolumeMounts()).noneMatch(m -> m.getName().equals(SandboxVolumes.CREDENTIALS));
    }

    @Test
    void gitTrustsTheWorkspaceWhoseRootTheAgentDoesNotOwn() {
        AgentSandbox sandbox = TestSandboxes.full("a");
        WorkspaceSpec workspace = new WorkspaceSpec();
        workspace.setMountPath("/work");
        GitSpec git = new GitSpec();
        git.setUrl("https://github.com/org/repo.git");
        workspace.setGit(git);
        sandbox.getSpec().setWorkspace(workspace);
        Pod pod = pod(sandbox);

        for (String name : List.of("workspace-init", "agent")) {
            assertThat(env(container(pod, name))).as(name).containsEntry("GIT_CONFIG_COUNT", "1")
                    .containsEntry("GIT_CONFIG_KEY_0", "safe.directory").containsEntry("GIT_CONFIG_VALUE_0", "/work");
        }
        String script = container(pod, "workspace-init").getCommand().get(2);
        assertThat(script).as("a clone cut short is started over, not taken for a finished one")
                .contains("agentsandbox-clone-incomplete");
        EnvVarSpec own = new EnvVarSpec();
        own.setName("GIT_CONFIG_COUNT");
        own.setValue("0");
        sandbox.getSpec().getAgent().setEnv(List.of(own));
        assertThat(env(container(pod(sandbox), "agent"))).as("the spec's git settings win")
                .containsEntry("GIT_CONFIG_COUNT", "0");
    }

    @Test
    void workspaceIsAClaimWhenSizedElseAnEmptyDir() {
        AgentSandbox sized = TestSandboxes.minimal("a");
        WorkspaceSpec workspace = new WorkspaceSpec();
        workspace.setSize(new Quantity("10Gi"));
        workspace.setMountPath("/work");
        sized.getSpec().setWorkspace(workspace);

        Volume claimed = workspaceVolume(pod(sized));
        Volume ephemeral = workspaceVolume(pod(TestSandboxes.minimal("a")));

        assertThat(claimed.getPersistentVolumeClaim().getClaimName()).isEqualTo("a-workspace");
        assertThat(ephemeral.getEmptyDir()).isNotNull();
        assertThat(ephemeral.getPersistentVolumeClaim()).isNull();
        assertThat(container(pod(sized), "agent").getVolumeMounts())
                .anyMatch(m -> m.getName().equals("workspace") && m.getMountPath().equals("/work"));
    }

    @Test
    void sidecarConfigIsMountedAsADirectorySoPolicyChangesArriveLive() {
        Pod pod = pod(TestSandboxes.full("a"));

        assertThat(pod.getSpec().getVolumes()).anyMatch(v -> v.getName().equals("sidecar-config")
                && v.getConfigMap().getName().equals("a-sidecar"));
        assertThat(container(pod, "egress-proxy").getVolumeMounts())
                .anyMatch(m -> m.getName().equals("sidecar-config") && m.getMountPath().equals("/etc/agentsandbox")
                        && m.getSubPath() == null);
    }

    @Test
    void specHashChangesWithThePodButNotWithThePolicy() {
        AgentSandbox sandbox = TestSandboxes.full("a");
        String original = hash(pod(sandbox));

        sandbox.getSpec().getEgress().setAllow(List.of("example.org"));
        sandbox.getSpec().getModel().setTokenBudget(5L);
        String policyChanged = hash(pod(sandbox));
        sandbox.getSpec().getAgent().setImage("registry.test/agent:2");
        String imageChanged = hash(pod(sandbox));

        assertThat(policyChanged).isEqualTo(original);
        assertThat(imageChanged).isNotEqualTo(original);
        assertThat(hash(pod(TestSandboxes.full("a")))).as("deterministic").isEqualTo(original);
    }

    @Test
    void portsNameTheirProtocolForServerSideApply() {
        Pod pod = pod(TestSandboxes.full("a"));

        pod.getSpec().getInitContainers().forEach(c -> assertThat(c.getPorts())
                .allSatisfy(p -> assertThat(p.getProtocol()).isEqualTo("TCP")));
    }

    private static String hash(Pod pod) {
        return pod.getMetadata().getAnnotations().get(SandboxPodDependentResource.SPEC_HASH_ANNOTATION);
    }

    private static Volume workspaceVolume(Pod pod) {
        return pod.getSpec().getVolumes().stream().filter(v -> v.getName().equals("workspace")).findFirst()
                .orElseThrow();
    }
}
