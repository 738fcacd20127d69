package dev.agentsandbox.sidecar.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.Optional;

/**
 * Narrows the runner's {@code GET /v1/models} answer ({@code {"object":"list","data":[{"id":…},…]}}) to the models
 * the sandbox may use, so an agent that discovers models sees only those it can call.
 */
public final class ModelListFilter {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ModelListFilter() {
    }

    /** The filtered list, or empty when the body is not an OpenAI model list. */
    public static Optional<byte[]> filter(byte[] body, ModelPolicy policy) {
        try {
            JsonNode root = MAPPER.readTree(body);
            if (!(root instanceof ObjectNode list) || !(list.get("data") instanceof ArrayNode models)) {
                return Optional.empty();
            }
            ArrayNode kept = MAPPER.createArrayNode();
            for (JsonNode model : models) {
                if (policy.isAllowed(model.path("id").asText())) {
                    kept.add(model);
                }
            }
            list.set("data", kept);
            return Optional.of(MAPPER.writeValueAsBytes(list));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
