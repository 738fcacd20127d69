package dev.agentsandbox.operator.plan;

import dev.agentsandbox.operator.TestSandboxes;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxSpec;
import dev.agentsandbox.operator.api.v1alpha1.AgentSandboxTemplate;
import dev.agentsandbox.operator.api.v1alpha1.LifecycleMode;
import dev.agentsandbox.operator.api.v1alpha1.LifecycleSpec;
import dev.agentsandbox.operator.api.v1alpha1.ModelSpec;
import dev.agentsandbox.operator.api.v1alpha1.TemplateRef;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TemplateMergeTest {

    private static AgentSandboxTemplate template() {
        AgentSandboxTemplate template = new AgentSandboxTemplate();
        template.setMetadata(new ObjectMetaBuilder().withName("python-agent").withNamespace("team-a").build());
        template.setSpec(TestSandboxes.full("ignored").getSpec());
        LifecycleSpec lifecycle = new LifecycleSpec();
        lifecycle.setIdleTimeout("30m");
        template.getSpec().setLifecycle(lifecycle);
        return template;
    }

    private static AgentSandbox templated(String name) {
        AgentSandbox sandbox = new AgentSandbox();
        sandbox.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("team-a").withGeneration(2L)
                .build());
        AgentSandboxSpec spec = new AgentSandboxSpec();
        spec.setTemplateRef(new TemplateRef("python-agent"));
        sandbox.setSpec(spec);
        return sandbox;
    }

    @Test
    void aSandboxWithOnlyATemplateRefGetsEveryPodFieldOfItsTemplate() {
        AgentSandbox effective = TemplateMerge.effective(templated("a"), template());

        AgentSandboxSpec expected = template().getSpec();
        assertThat(effective.getSpec().getAgent().getImage()).isEqualTo(expected.getAgent().getImage());
        assertThat(effective.getSpec().getEgress().getAllow()).isEqualTo(expected.getEgress().getAllow());
        assertThat(effective.getSpec().getCredentials()).hasSize(2);
        assertThat(effective.getSpec().getModel().getDefaultModel()).isEqualTo("ai/qwen2.5:7B-Q4_K_M");
        assertThat(effective.getSpec().getLifecycle().getIdleTimeout()).isEqualTo("30m");
        assertThat(effective.getSpec().getTemplateRef().getName()).isEqualTo("python-agent");
        assertThat(effective.getMetadata().getName()).isEqualTo("a");
        assertThat(effective.getMetadata().getGeneration()).isEqualTo(2L);
    }

    @Test
    void theSandboxsLifecycleAndTokenBudgetGoOverTheTemplatesFieldByField() {
        AgentSandbox sandbox = templated("a");
        LifecycleSpec lifecycle = new LifecycleSpec();
        lifecycle.setMode(LifecycleMode.PAUSED);
        sandbox.getSpec().setLifecycle(lifecycle);
        ModelSpec budget = new ModelSpec();
        budget.setTokenBudget(5_000L);
        sandbox.getSpec().setModel(budget);

        AgentSandbox effective = TemplateMerge.effective(sandbox, template());

        assertThat(effective.getSpec().getLifecycle().getMode()).isEqualTo(LifecycleMode.PAUSED);
        assertThat(effective.getSpec().getLifecycle().getIdleTimeout()).as("the template's, not overridden")
                .isEqualTo("30m");
        assertThat(effective.getSpec().getModel().getTokenBudget()).isEqualTo(5_000L);
        assertThat(effective.getSpec().getModel().getDefaultModel()).as("the template's")
                .isEqualTo("ai/qwen2.5:7B-Q4_K_M");
        assertThat(effective.getSpec().getModel().getAllowed()).hasSize(2);
    }

    @Test
    void aTokenBudgetWithoutAModelInTheTemplateAddsNoModel() {
        AgentSandboxTemplate template = template();
        template.getSpec().setModel(null);
        AgentSandbox sandbox = templated("a");
        ModelSpec budget = new ModelSpec();
        budget.setTokenBudget(5_000L);
        sandbox.getSpec().setModel(budget);

        assertThat(TemplateMerge.effective(sandbox, template).getSpec().getModel()).isNull();
    }

    @Test
    void neitherTheSandboxNorTheTemplateIsChanged() {
        AgentSandbox sandbox = templated("a");
        AgentSandboxTemplate template = template();

        TemplateMerge.effective(sandbox, template).getSpec().getAgent().setImage("changed");

        assertThat(sandbox.getSpec().getAgent()).isNull();
        assertThat(template.getSpec().getAgent().getImage()).isEqualTo("registry.test/agent:1");
    }
}
