package dev.agentsandbox.sidecar.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class JsonLogTest {

    @Test
    void writesOneJsonObjectPerLineWithTheStandardFields() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonLog log = new JsonLog("bridge", out)) {
            log.info("request").field("path", "/v1/chat\n\"quoted\"").field("absent", null).write();
            log.warn("second").field("n", 3).write();
            log.flush();
        }
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(2);
        JsonNode first = new ObjectMapper().readTree(lines[0]);
        assertThat(first.get("component").asText()).isEqualTo("bridge");
        assertThat(first.get("event").asText()).isEqualTo("request");
        assertThat(first.get("level").asText()).isEqualTo("info");
        assertThat(first.get("path").asText()).isEqualTo("/v1/chat\n\"quoted\"");
        assertThat(first.has("absent")).isFalse();
        assertThat(first.get("ts").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(new ObjectMapper().readTree(lines[1]).get("n").asInt()).isEqualTo(3);
    }

    @Test
    void writesEachKindOfValueAsItsJsonType() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonLog log = new JsonLog("proxy", out)) {
            log.info("kinds").field("int", 7).field("long", 1L << 40).field("flag", true)
                    .field("list", java.util.List.of("a", "b")).field("text", "caf\u00e9 \u2603").write();
            log.flush();
        }
        String line = out.toString(StandardCharsets.UTF_8).trim();
        assertThat(line).startsWith("{\"ts\":");
        JsonNode node = new ObjectMapper().readTree(line);
        assertThat(node.get("int").isInt()).isTrue();
        assertThat(node.get("long").asLong()).isEqualTo(1L << 40);
        assertThat(node.get("flag").isBoolean()).isTrue();
        assertThat(node.get("list").toString()).isEqualTo("[\"a\",\"b\"]");
        assertThat(node.get("text").asText()).isEqualTo("caf\u00e9 \u2603");
        assertThat(java.time.Instant.parse(node.get("ts").asText())).isNotNull();
    }
}
