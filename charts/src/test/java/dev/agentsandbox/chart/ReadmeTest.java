package dev.agentsandbox.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The README names files that exist and gives commands that work with the chart and examples as they are. */
class ReadmeTest {

    private static final String README = RepositoryFiles.read(RepositoryFiles.README);
    /** Shell line continuations joined, so that one command is one line. */
    private static final String README_COMMANDS = README.replace("\\\n", " ");

    private static final Pattern INLINE_CODE = Pattern.compile("`([^`\n]+)`");
    private static final Pattern PATH_LIKE = Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*/?");
    private static final Pattern FILE_EXTENSION = Pattern.compile(".*\\.(ya?ml|md|xml|json|java|sh|tpl|txt|properties)");
    private static final Pattern HELM_SET = Pattern.compile("--set '?([A-Za-z0-9_.\\[\\]]+)=([^\\s`']+)");
    private static final Pattern HELM_INSTALL = Pattern.compile("helm install (\\S+) charts/agentsandbox-operator");
    private static final Pattern DEPLOYMENT_REFERENCE = Pattern.compile("deployment/([a-z0-9-]+)");
    /** The label the operator puts on every object of a sandbox (docs/architecture.md, "Reconcile"). */
    private static final String SANDBOX_LABEL = "agentsandbox.dev/sandbox";
    private static final Pattern LABEL_SELECTOR = Pattern.compile(" -l ([A-Za-z0-9./_-]+)=([A-Za-z0-9._-]+)");
    private static final Pattern SANDBOX_POD = Pattern.compile("\\b([a-z0-9-]+)-sandbox\\b");

    @Test
    void everyRepositoryPathTheReadmeNamesExists() {
        Set<String> paths = repositoryPaths();

        assertThat(paths).contains("charts/agentsandbox-operator/", "examples/claude-code.yaml");
        assertThat(paths).allSatisfy(path -> assertThat(RepositoryFiles.ROOT.resolve(path))
                .as("README names `%s`", path).exists());
    }

    @Test
    void everyHelmSetInTheReadmeIsAcceptedByTheChart() {
        List<Map<String, Object>> commands = README_COMMANDS.lines()
                .filter(line -> line.contains("--set "))
                .map(ReadmeTest::helmSets)
                .toList();

        assertThat(commands).hasSizeGreaterThanOrEqualTo(3);
        for (Map<String, Object> sets : commands) {
            assertThatCode(() -> RenderedChart.template(sets, null)).as("helm template --set %s", sets)
                    .doesNotThrowAnyException();
        }
    }

    @Test
    void releaseAndDeploymentNamesMatchTheChart() {
        Matcher install = HELM_INSTALL.matcher(README_COMMANDS);
        assertThat(install.find()).as("a helm install of charts/agentsandbox-operator").isTrue();
        assertThat(install.group(1)).isEqualTo(RenderedChart.RELEASE);

        Set<String> deployments = new LinkedHashSet<>();
        DEPLOYMENT_REFERENCE.matcher(README).results().forEach(m -> deployments.add(m.group(1)));
        RenderedChart chart = RenderedChart.withDefaults();
        assertThat(deployments).isNotEmpty()
                .allSatisfy(name -> assertThat(chart.named(Deployment.class, name)).isNotNull());
    }

    @Test
    void labelSelectorsTheReadmeUsesSelectPodsTheChartRuns() {
        List<Map<String, String>> podLabels = RenderedChart.withValuesFile(RenderedChart.ALL_OPTIONAL_PARTS)
                .all(Deployment.class).stream()
                .map(d -> d.getSpec().getTemplate().getMetadata().getLabels())
                .toList();
        // Selectors on the operator's own sandbox label pick a sandbox's children, not the chart's pods.
        List<MatchResult> selectors = LABEL_SELECTOR.matcher(README).results()
                .filter(selector -> !SANDBOX_LABEL.equals(selector.group(1))).toList();

        assertThat(selectors).isNotEmpty().allSatisfy(selector -> assertThat(podLabels)
                .as("pods labelled %s=%s", selector.group(1), selector.group(2))
                .anySatisfy(labels -> assertThat(labels).containsEntry(selector.group(1), selector.group(2))));
    }

    @Test
    void sandboxLabelSelectorsTheReadmeUsesNameExampleSandboxes() throws IOException {
        Set<String> exampleSandboxes = exampleSandboxNames();

        assertThat(LABEL_SELECTOR.matcher(README).results().filter(s -> SANDBOX_LABEL.equals(s.group(1))))
                .allSatisfy(selector -> assertThat(exampleSandboxes).contains(selector.group(2)));
    }

    @Test
    void sandboxPodsTheReadmeNamesBelongToExampleSandboxes() throws IOException {
        Set<String> exampleSandboxes = exampleSandboxNames();
        Set<String> named = new LinkedHashSet<>();
        SANDBOX_POD.matcher(README).results().map(m -> m.group(1))
                .filter(name -> !name.equals("name"))
                .forEach(named::add);

        assertThat(named).isNotEmpty();
        assertThat(exampleSandboxes).containsAll(named);
    }

    private static Set<String> repositoryPaths() {
        String prose = README.replaceAll("(?s)```.*?```", "");
        Set<String> paths = new LinkedHashSet<>();
        Matcher code = INLINE_CODE.matcher(prose);
        while (code.find()) {
            String token = code.group(1).trim();
            if (isRepositoryPath(token)) {
                paths.add(token);
            }
        }
        return paths;
    }

    /** A path-shaped token that starts at a top-level entry, names a folder, or names a file by its extension. */
    private static boolean isRepositoryPath(String token) {
        if (!PATH_LIKE.matcher(token).matches() || !token.contains("/") && !FILE_EXTENSION.matcher(token).matches()) {
            return false;
        }
        String firstSegment = token.split("/")[0];
        return Files.exists(RepositoryFiles.ROOT.resolve(firstSegment)) || token.endsWith("/")
                || FILE_EXTENSION.matcher(token).matches();
    }

    private static Map<String, Object> helmSets(String commandLine) {
        Map<String, Object> sets = new LinkedHashMap<>();
        // A value ends at a blank, a closing quote or the closing backtick of inline code; a trailing comma is prose.
        HELM_SET.matcher(commandLine).results()
                .forEach(m -> sets.put(m.group(1), m.group(2).replaceAll(",$", "")));
        return sets;
    }

    private static Set<String> exampleSandboxNames() throws IOException {
        try (Stream<Path> files = Files.list(RepositoryFiles.EXAMPLES)) {
            return files.flatMap(example -> YamlDocuments.ofKind(example, "AgentSandbox").stream())
                    .map(sandbox -> sandbox.path("metadata").path("name").asText())
                    .collect(Collectors.toSet());
        }
    }
}
