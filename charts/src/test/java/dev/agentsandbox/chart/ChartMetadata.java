package dev.agentsandbox.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Chart.yaml, read the way Helm reads it. */
final class ChartMetadata {

    private ChartMetadata() {
    }

    static String appVersion() {
        return chartYaml().path("appVersion").asText();
    }

    static JsonNode chartYaml() {
        try {
            return new YAMLMapper().readTree(RepositoryFiles.CHART.resolve("Chart.yaml").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
