package dev.agentsandbox.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The documents of a multi-document YAML stream (helm output, example files), empty documents left out. */
final class YamlDocuments {

    private static final YAMLMapper YAML = new YAMLMapper();

    private YamlDocuments() {
    }

    static List<JsonNode> of(String yaml) {
        try {
            return collect(YAML.readerFor(JsonNode.class).readValues(yaml));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<JsonNode> of(Path file) {
        try {
            return collect(YAML.readerFor(JsonNode.class).readValues(file.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<JsonNode> collect(MappingIterator<JsonNode> iterator) throws IOException {
        try (iterator) {
            List<JsonNode> documents = new ArrayList<>();
            while (iterator.hasNext()) {
                JsonNode document = iterator.next();
                if (document != null && !document.isEmpty()) {
                    documents.add(document);
                }
            }
            return documents;
        }
    }

    static List<JsonNode> ofKind(Path file, String kind) {
        return of(file).stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
    }
}
