package dev.agentsandbox.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import org.junit.jupiter.api.Test;

class ChartLintTest {

    @Test
    void lintStrictPassesWithoutWarnings() {
        LintResult lint = new Helm(RepositoryFiles.CHART).lint().strict().call();

        assertThat(lint.isFailed()).as("helm lint --strict: %s", lint.getMessages()).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @Test
    void everyObjectIsNamedAndLabelledWithDefaultsAndWithEveryOptionalPart() {
        RenderedChart defaults = RenderedChart.withDefaults();
        RenderedChart everything = RenderedChart.withValuesFile(RenderedChart.ALL_OPTIONAL_PARTS);

        assertThat(everything.all()).hasSizeGreaterThan(defaults.all().size());
        for (RenderedChart chart : new RenderedChart[] {defaults, everything}) {
            assertThat(chart.all()).allSatisfy(object -> {
                assertThat(object.getMetadata().getName()).isNotBlank();
                assertThat(object.getMetadata().getLabels())
                        .as("labels of %s", describe(object))
                        .containsEntry("app.kubernetes.io/part-of", "agentsandbox")
                        .containsEntry("app.kubernetes.io/managed-by", "Helm");
            });
        }
    }

    private static String describe(HasMetadata object) {
        return object.getKind() + "/" + object.getMetadata().getName();
    }
}
