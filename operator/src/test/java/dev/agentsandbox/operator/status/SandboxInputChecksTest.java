package dev.agentsandbox.operator.status;

import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.CredentialPreset;
import dev.agentsandbox.operator.api.v1alpha1.CredentialSpec;
import dev.agentsandbox.operator.api.v1alpha1.SecretKeyRef;
import dev.agentsandbox.operator.plan.ClusterLookup;
import dev.agentsandbox.operator.plan.SandboxPlan;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class SandboxInputChecksTest {

    private static final List<String> ALLOWED = List.of("kata", "gvisor");

    /** An in-memory cluster with the Secrets, RuntimeClasses and Services a test puts in. */
    private static final class FakeCluster implements ClusterLookup {
        final Map<String, Secret> secrets = new HashMap<>();
        final Map<String, RuntimeClass> runtimeClasses = new HashMap<>();
        final Map<String, Service> services = new HashMap<>();

        FakeCluster withSecret(String namespace, String name, String... keys) {
            Map<String, String> data = new HashMap<>();
            for (String key : keys) {
                data.put(key, "");
            }
            secrets.put(namespace + "/" + name, new SecretBuilder().withNewMetadata().withName(name)
                    .withNamespace(namespace).endMetadata().withData(data).build());
            return this;
        }

        FakeCluster withRuntimeClass(String name) {
            runtimeClasses.put(name, new RuntimeClassBuilder().withNewMetadata().withName(name).endMetadata().build());
            return this;
        }

        FakeCluster withService(String namespace, String name) {
            services.put(namespace + "/" + name, new ServiceBuilder().withNewMetadata().withName(name)
                    .withNamespace(namespace).endMetadata().build());
            return this;
        }

        @Override
        public Optional<Secret> secret(String namespace, String name) {
            return Optional.ofNullable(secrets.get(namespace + "/" + name));
        }

        @Override
        public Optional<RuntimeClass> runtimeClass(String name) {
            return Optional.ofNullable(runtimeClasses.get(name));
        }

        @Override
        public Optional<Service> service(String namespace, String name) {
            return Optional.ofNullable(services.get(namespace + "/" + name));
        }

        @Override
        public Optional<dev.agentsandbox.operator.api.v1alpha1.AgentSandboxTemplate> template(String namespace,
                                                                                           String name) {
            return Optional.empty();
        }

        @Override
        public List<io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy> networkPoliciesThatMaySelect(
                String namespace, String sandbox) {
            return List.of();
        }
    }

    private static FakeCluster completeCluster() {
        return new FakeCluster().withRuntimeClass("kata")
                .withSecret("team-a", "anthropic-key", "api-key")
                .withSecret("team-a", "gitlab-token", "token")
                .withService("model-runner", "docker-model-runner");
    }

    @Test
    void everythingPresentPasses() {
        List<CheckResult> results = SandboxInputChecks.check(TestSandboxes.plan(TestSandboxes.full("a")), ALLOWED,
                completeCluster());

        assertThat(results).extracting(CheckResult::conditionType)
                .containsExactly("RuntimeReady", "CredentialsReady", "ModelRunnerReady", "EgressReady");
        assertThat(SandboxInputChecks.allPassed(results)).isTrue();
    }

    @Test
    void runtimeClassMustBeAllowedAndExist() {
        CheckResult notAllowed = SandboxInputChecks.runtime("runc", ALLOWED, completeCluster());
        CheckResult missing = SandboxInputChecks.runtime("gvisor", ALLOWED, completeCluster());

        assertThat(notAllowed.passed()).isFalse();
        assertThat(notAllowed.reason()).isEqualTo("RuntimeClassNotAllowed");
        assertThat(notAllowed.message()).contains("runc").contains("spec.runtimeClassName");
        assertThat(missing.passed()).isFalse();
        assertThat(missing.reason()).isEqualTo("RuntimeClassNotFound");
        assertThat(missing.message()).contains("gvisor");
    }

    @Test
    void missingSecretAndMissingKeyNameTheObject() {
        SandboxPlan plan = TestSandboxes.plan(TestSandboxes.full("a"));
        FakeCluster noGitlab = new FakeCluster().withSecret("team-a", "anthropic-key", "api-key");
        FakeCluster wrongKey = new FakeCluster().withSecret("team-a", "anthropic-key", "api-key")
                .withSecret("team-a", "gitlab-token", "password");

        CheckResult secretMissing = SandboxInputChecks.credentials(plan, noGitlab);
        CheckResult keyMissing = SandboxInputChecks.credentials(plan, wrongKey);

        assertThat(secretMissing.reason()).isEqualTo("SecretNotFound");
        assertThat(secretMissing.message()).contains("team-a/gitlab-token").contains("credential gitlab")
                .doesNotContain("anthropic-key");
        assertThat(keyMissing.reason()).isEqualTo("SecretKeyNotFound");
        assertThat(keyMissing.message()).contains("key token").contains("team-a/gitlab-token");
    }

    @Test
    void twoCredentialsForOneHostAreRefused() {
        AgentSandbox sandbox = TestSandboxes.minimal("a");
        CredentialSpec preset = new CredentialSpec();
        preset.setName("anthropic");
        preset.setPreset(CredentialPreset.ANTHROPIC);
        preset.setSecretRef(new SecretKeyRef("s", "k"));
        CredentialSpec custom = TestSandboxes.custom("second", "s", "k", "API.anthropic.com", null);
        sandbox.getSpec().setCredentials(List.of(preset, custom));

        CheckResult result = SandboxInputChecks.credentials(TestSandboxes.plan(sandbox),
                new FakeCluster().withSecret("team-a", "s", "k"));

        assertThat(result.passed()).isFalse();
        assertThat(result.reason()).isEqualTo("DuplicateInjectHost");
        assertThat(result.message()).contains("api.anthropic.com").contains("anthropic and second");
    }

    @Test
    void modelRunnerServiceMustExistOnlyWhenAModelIsSet() {
        CheckResult missing = SandboxInputChecks.modelRunner(TestSandboxes.runner(), new FakeCluster());
        CheckResult noModel = SandboxInputChecks.modelRunner(null, new FakeCluster());

        assertThat(missing.passed()).isFalse();
        assertThat(missing.reason()).isEqualTo("ModelRunnerServiceNotFound");
        assertThat(missing.message()).contains("model-runner/docker-model-runner");
        assertThat(noModel.passed()).isTrue();
    }

    @Test
    void aMissingTemplateIsAFailedTemplateCheckThatNamesItAndTheFix() {
        var missing = new dev.agentsandbox.operator.plan.ResolvedSandbox(TestSandboxes.minimal("a"), "python",
                false);
        var found = new dev.agentsandbox.operator.plan.ResolvedSandbox(TestSandboxes.minimal("a"), "python", true);

        CheckResult refused = SandboxInputChecks.template(missing, "team-a");
        assertThat(refused.passed()).isFalse();
        assertThat(refused.conditionType()).isEqualTo(ConditionTypes.TEMPLATE_READY);
        assertThat(refused.reason()).isEqualTo("TemplateNotFound");
        assertThat(refused.message()).contains("AgentSandboxTemplate team-a/python").contains("spec.templateRef.name");
        assertThat(SandboxInputChecks.template(found, "team-a").passed()).isTrue();
    }
}
