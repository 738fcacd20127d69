package dev.agentsandbox.chart;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/** The chart rendered offline by Helm (helm-java), parsed into Fabric8 objects. */
final class RenderedChart {

    static final String RELEASE = "agentsandbox-operator";
    static final String NAMESPACE = "agentsandbox-system";
    static final String KUBE_VERSION = "1.34.0";
    /** Values that switch on every optional part of the chart. */
    static final Path ALL_OPTIONAL_PARTS = Path.of("src/test/resources/all-optional-parts-values.yaml");

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private final String values;
    private final List<HasMetadata> objects;

    private RenderedChart(String values, List<HasMetadata> objects) {
        this.values = values;
        this.objects = objects;
    }

    static RenderedChart withDefaults() {
        return render(Map.of(), null);
    }

    static RenderedChart withValues(Map<String, Object> values) {
        return render(values, null);
    }

    static RenderedChart withValuesFile(Path valuesFile) {
        return render(Map.of(), valuesFile);
    }

    /** Renders, or throws Helm's error (schema violations and template failures) as an IllegalStateException. */
    static String template(Map<String, Object> values, Path valuesFile) {
        TemplateCommand template = new Helm(RepositoryFiles.CHART).template()
                .withName(RELEASE)
                .withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
        if (valuesFile != null) {
            template = template.withValuesFile(valuesFile.toAbsolutePath());
        }
        for (Map.Entry<String, Object> value : values.entrySet()) {
            template = template.set(value.getKey(), value.getValue());
        }
        return template.call();
    }

    private static RenderedChart render(Map<String, Object> values, Path valuesFile) {
        String description = valuesFile != null ? valuesFile.getFileName().toString()
                : values.isEmpty() ? "default values" : values.toString();
        return new RenderedChart(description, parse(template(values, valuesFile)));
    }

    static List<HasMetadata> parse(String multiDocumentYaml) {
        return YamlDocuments.of(multiDocumentYaml).stream()
                .map(document -> SERIALIZATION.convertValue(document, HasMetadata.class))
                .toList();
    }

    List<HasMetadata> all() {
        return objects;
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    List<HasMetadata> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.getKind())).toList();
    }

    <T extends HasMetadata> T named(Class<T> type, String name) {
        return all(type).stream()
                .filter(o -> name.equals(o.getMetadata().getName()))
                .findFirst()
                .orElseThrow(() -> new NoSuchElementException(type.getSimpleName() + " " + name + " not rendered; got "
                        + objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList()));
    }

    Deployment operatorDeployment() {
        return named(Deployment.class, RELEASE);
    }

    @Override
    public String toString() {
        return "chart rendered with " + values;
    }
}
