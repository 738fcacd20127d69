package dev.agentsandbox.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.agentsandbox.operator.api.v1alpha1.EgressEnforcement;
import dev.agentsandbox.operator.config.LabelSelectors;
import dev.agentsandbox.operator.config.OperatorConfig;
import dev.agentsandbox.operator.config.SettingDefaults;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chart and the operator agree on the operator's configuration: the chart sets only properties the operator
 * reads ({@code OperatorConfig}, on this module's test classpath), with the operator's own defaults unless it says
 * why not; the README's table of chart values names only those, with values.yaml's defaults; and the chart grants
 * the RBAC rules the operator declares it needs (its {@code application.properties}).
 */
class OperatorPropertiesContractTest {

    private static final Properties OPERATOR_PROPERTIES = operatorApplicationProperties();
    /** The operator's settings and their defaults, as OperatorConfig declares them. */
    private static final Map<String, String> OPERATOR_DEFAULTS = SettingDefaults.all();
    /** Environment variable → operator property (those without a default included), by Quarkus' rule. */
    private static final Map<String, String> OPERATOR_ENV = SettingDefaults.names().stream()
            .collect(Collectors.toMap(OperatorPropertiesContractTest::quarkusEnvironmentName, key -> key,
                    (a, b) -> a, TreeMap::new));
    /** The "operator env variable" column of the README's table of chart values. */
    private static final Pattern README_VALUE_ROW = Pattern.compile(
            "(?m)^\\| `([^|]+)` \\|([^|]*)\\|[^|]*\\|([^|\\n]*)\\|$");
    /** A default in the README's table written as code, the form values.yaml's own default is compared with. */
    private static final Pattern CODE_CELL = Pattern.compile(" `([^`]*)` ");
    /**
     * Where the chart passes the operator something other than the operator's default, and why. Every other
     * variable the chart sets with its default values carries the operator's default.
     */
    private static final Map<String, String> CHART_OWN_DEFAULTS = Map.of(
            "AGENTSANDBOX_SIDECAR_IMAGE", "the sidecar image of the chart's appVersion",
            "AGENTSANDBOX_MODEL_RUNNER_NAMESPACE", "the release namespace, where modelRunner.enabled deploys one",
            "AGENTSANDBOX_LEADER_ELECTION_LEASE_NAME", "a Lease per release",
            "AGENTSANDBOX_OPERATOR_POD_SELECTOR", "the labels of this release's pods");
    private static final Pattern ENV_NAME = Pattern.compile("`([A-Z][A-Z0-9_]+)`");
    private static final Pattern RBAC_RULE = Pattern.compile(
            "quarkus\\.kubernetes\\.rbac\\.(roles|cluster-roles)\\.([^.]+)\\.policy-rules\\.([^.]+)\\.verbs");

    static Stream<RenderedChart> defaultAndAllOptionalValues() {
        return Stream.of(RenderedChart.withDefaults(), RenderedChart.withValuesFile(RenderedChart.ALL_OPTIONAL_PARTS));
    }

    /** Quarkus maps an environment variable to a property by upper-casing it and replacing non-alphanumerics by _. */
    static String quarkusEnvironmentName(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(java.util.Locale.ROOT);
    }

    @Test
    void operatorPropertiesAreFound() {
        assertThat(OPERATOR_ENV).containsEntry("AGENTSANDBOX_RUNTIME_CLASS_DEFAULT", "agentsandbox.runtime-class.default")
                .hasSizeGreaterThan(10);
    }

    @ParameterizedTest
    @MethodSource("defaultAndAllOptionalValues")
    void everyVariableTheChartSetsIsAnOperatorProperty(RenderedChart chart) {
        Set<String> extraEnv = Set.of("QUARKUS_LOG_LEVEL"); // operator.extraEnv of the all-optional values
        List<String> chartEnv = OperatorDeploymentTest.operatorContainer(chart).getEnv().stream()
                .map(EnvVar::getName)
                .filter(name -> !extraEnv.contains(name))
                .toList();

        assertThat(chartEnv).isNotEmpty().allSatisfy(name -> assertThat(OPERATOR_ENV)
                .as("%s: %s sets no operator property; the operator reads %s", chart, name, OPERATOR_ENV.keySet())
                .containsKey(name));
    }

    /** The values reach the operator's own configuration mapping as they would in the pod, types and lists included. */
    @Test
    void theOperatorReadsTheChartsValuesFromTheRenderedEnvironment() {
        RenderedChart chart = RenderedChart.withValuesFile(RenderedChart.ALL_OPTIONAL_PARTS);
        Map<String, String> environment = new TreeMap<>(OperatorDeploymentTest.env(chart));
        // The downward API fills this one in from the pod's namespace.
        environment.put("AGENTSANDBOX_OPERATOR_NAMESPACE", RenderedChart.NAMESPACE);
        SmallRyeConfig config = operatorConfigUnder(environment);
        OperatorConfig operator = config.getConfigMapping(OperatorConfig.class);

        assertThat(operator.runtimeClass().defaultName()).isEqualTo("gvisor");
        assertThat(operator.runtimeClass().allowed()).containsExactly("gvisor", "kata");
        assertThat(operator.enforcementMode()).isEqualTo(EgressEnforcement.IPTABLES);
        assertThat(operator.sidecar().image()).isEqualTo("registry.example:5000/mirror/sidecar:0.2.0-rc1");
        assertThat(operator.sidecar().proxyMemory()).isEqualTo("384Mi");
        assertThat(operator.sidecar().bridgeCpu()).isEqualTo("0.25");
        assertThat(operator.sidecar().egressInitMemory()).isEqualTo("96Mi");
        assertThat(operator.gitImage()).isEqualTo("registry.example:5000/mirror/git:2.47.2");
        assertThat(operator.modelRunner().namespace()).isEqualTo(RenderedChart.NAMESPACE);
        assertThat(operator.modelRunner().port()).isEqualTo(80);
        assertThat(operator.leaderElection().leaseName()).isEqualTo("sandbox-operator-lease");
        assertThat(operator.operator().namespace()).isEqualTo(RenderedChart.NAMESPACE);
        assertThat(operator.watchNamespaces()).containsExactly("team-a", "team-b");
        assertThat(operator.pool().maxReplicas()).isEqualTo(50);
        assertThat(operator.egressAllowCidrs()).contains(List.of("10.20.0.0/16", "192.168.7.0/24"));
        assertThat(operator.upstreamTrustFile()).contains("/etc/agentsandbox-operator/upstream-trust/ca.crt");
        // What QOSDK registers the controller for: application.properties feeds it from agentsandbox.watch-namespaces.
        assertThat(config.getValue("quarkus.operator-sdk.controllers.agentsandbox.namespaces", String.class))
                .isEqualTo("team-a,team-b");
        assertThat(chart.operatorDeployment().getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(LabelSelectors.parse("agentsandbox.operator.pod-selector",
                        operator.operator().podSelector()))
                .containsKey("app.kubernetes.io/instance");
        assertThat(operator.operator().podSelector()).hasSize(3);
    }

    @Test
    void everyOperatorVariableTheReadmeDocumentsIsSetByTheChart() {
        Set<String> documented = readmeValueTableVariables();
        Set<String> chartEnv = OperatorDeploymentTest.operatorContainer(RenderedChart.withDefaults()).getEnv().stream()
                .map(EnvVar::getName).collect(Collectors.toSet());

        assertThat(documented).isNotEmpty().allSatisfy(name -> {
            assertThat(OPERATOR_ENV).as("README documents %s, which is no operator property", name).containsKey(name);
            assertThat(chartEnv).as("README documents %s, which the chart does not set", name).contains(name);
        });
        assertThat(chartEnv).allSatisfy(name -> assertThat(RepositoryFiles.read(RepositoryFiles.README))
                .as("the chart sets %s: the README's configuration reference should say so", name).contains(name));
    }

    @Test
    void withItsDefaultValuesTheChartPassesTheOperatorsDefaults() {
        Map<String, String> chartEnv = OperatorDeploymentTest.env(RenderedChart.withDefaults());

        assertThat(chartEnv.keySet()).containsAll(CHART_OWN_DEFAULTS.keySet());
        assertThat(chartEnv).hasSizeGreaterThan(CHART_OWN_DEFAULTS.size() + 5).allSatisfy((name, value) -> {
            if (!CHART_OWN_DEFAULTS.containsKey(name)) {
                // A setting without a default gets the empty value, which the operator reads as unset.
                assertThat(value).as("%s: values.yaml's default against OperatorConfig's for %s", name,
                        OPERATOR_ENV.get(name)).isEqualTo(OPERATOR_DEFAULTS.getOrDefault(OPERATOR_ENV.get(name), ""));
            }
        });
    }

    /** The README's default column says what values.yaml says, where it writes a value rather than prose. */
    @Test
    void theReadmesDefaultsAreTheChartsDefaults() throws IOException {
        JsonNode values = new YAMLMapper().readTree(RepositoryFiles.CHART.resolve("values.yaml").toFile());
        int compared = 0;
        Matcher row = README_VALUE_ROW.matcher(readmeValueTable());
        while (row.find()) {
            Matcher code = CODE_CELL.matcher(row.group(2));
            JsonNode value = values.at("/" + row.group(1).replace('.', '/'));
            if (!code.matches() || value.isMissingNode() || value.asText().isEmpty() && !value.isContainerNode()) {
                continue; // prose ("release namespace"), several values in one row, or computed by the chart
            }
            assertThat(code.group(1)).as("README's default of %s", row.group(1)).isEqualTo(readmeSpelling(value));
            compared++;
        }
        assertThat(compared).as("defaults compared").isGreaterThan(10);
    }

    /** A list as {@code [a, b]}, a scalar as it is. */
    private static String readmeSpelling(JsonNode value) {
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            value.forEach(item -> items.add(item.asText()));
            return "[" + String.join(", ", items) + "]";
        }
        return value.asText();
    }

    /**
     * What {@code quarkus.kubernetes.rbac.*} in the operator's application.properties declares (beyond QOSDK's rules for
     * the AgentSandbox and its children): every verb on every resource is granted by the chart, cluster-wide for a
     * ClusterRole, in the release namespace for a Role.
     */
    @Test
    void theChartGrantsTheRbacTheOperatorDeclares() {
        RenderedChart chart = RenderedChart.withDefaults();
        List<PolicyRule> clusterWide = chart.all(ClusterRole.class).stream().flatMap(r -> r.getRules().stream()).toList();
        List<PolicyRule> inReleaseNamespace = Stream.concat(clusterWide.stream(), chart.all(Role.class).stream()
                .filter(r -> RenderedChart.NAMESPACE.equals(r.getMetadata().getNamespace()))
                .flatMap(r -> r.getRules().stream())).toList();
        int checked = 0;
        for (String key : new TreeSet<>(OPERATOR_PROPERTIES.stringPropertyNames())) {
            Matcher rule = RBAC_RULE.matcher(key);
            if (!rule.matches()) {
                continue;
            }
            String prefix = key.substring(0, key.length() - "verbs".length());
            String group = OPERATOR_PROPERTIES.getProperty(prefix + "api-groups", "");
            List<PolicyRule> granted = rule.group(1).equals("cluster-roles") ? clusterWide : inReleaseNamespace;
            for (String resource : commaList(OPERATOR_PROPERTIES.getProperty(prefix + "resources"))) {
                for (String verb : commaList(OPERATOR_PROPERTIES.getProperty(key))) {
                    assertThat(granted).as("%s %s: verb %s on %s/%s", rule.group(1), rule.group(2), verb, group, resource)
                            .anyMatch(r -> r.getApiGroups().contains(group) && r.getResources().contains(resource)
                                    && r.getVerbs().contains(verb));
                    checked++;
                }
            }
        }
        assertThat(checked).as("rules found in application.properties").isGreaterThan(5);
    }

    /** The operator's application.properties under these environment variables, layered as Quarkus does. */
    private static SmallRyeConfig operatorConfigUnder(Map<String, String> environment) {
        try {
            return new SmallRyeConfigBuilder()
                    .addDefaultInterceptors()
                    .withSources(new PropertiesConfigSource(operatorPropertiesUrl(), 250))
                    .withSources(new EnvConfigSource(environment, 300))
                    .withConverter(Duration.class, 100, new DurationConverter())
                    .withMapping(OperatorConfig.class)
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readmeValueTable() {
        String readme = RepositoryFiles.read(RepositoryFiles.README);
        String section = readme.substring(readme.indexOf("### Chart values (operator settings)"));
        return section.substring(0, section.indexOf("\n#", 1));
    }

    private static Set<String> readmeValueTableVariables() {
        Set<String> names = new TreeSet<>();
        Matcher row = README_VALUE_ROW.matcher(readmeValueTable());
        while (row.find()) {
            ENV_NAME.matcher(row.group(3)).results().forEach(name -> names.add(name.group(1)));
        }
        return names;
    }

    private static List<String> commaList(String value) {
        return Stream.of(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static URL operatorPropertiesUrl() throws IOException {
        List<URL> candidates = Collections.list(OperatorPropertiesContractTest.class.getClassLoader()
                .getResources("application.properties"));
        assertThat(candidates).as("the operator's application.properties on the test classpath").singleElement();
        return candidates.get(0);
    }

    private static Properties operatorApplicationProperties() {
        Properties properties = new Properties();
        try (InputStream in = operatorPropertiesUrl().openStream()) {
            properties.load(in);
            return properties;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
