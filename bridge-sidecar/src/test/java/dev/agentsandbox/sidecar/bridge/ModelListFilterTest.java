package dev.agentsandbox.sidecar.bridge;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ModelListFilterTest {

    private final ModelPolicy policy = new ModelPolicy("ai/qwen2.5", List.of("ai/qwen2.5", "ai/gpt-oss"));

    @Test
    void onlyAllowedModelsAreListed() throws IOException {
        String runner = """
                {"object":"list","data":[{"id":"ai/qwen2.5","object":"model","owned_by":"docker"},
                {"id":"ai/llama3.3","object":"model"},{"id":"ai/gpt-oss","object":"model"}]}""";

        byte[] filtered = ModelListFilter.filter(runner.getBytes(StandardCharsets.UTF_8), policy).orElseThrow();

        var list = new ObjectMapper().readTree(filtered);
        assertThat(list.get("object").asText()).isEqualTo("list");
        assertThat(list.get("data").findValuesAsText("id")).containsExactly("ai/qwen2.5", "ai/gpt-oss");
        assertThat(list.at("/data/0/owned_by").asText()).isEqualTo("docker");
    }

    @Test
    void somethingElseIsNotAModelList() {
        assertThat(ModelListFilter.filter("{\"models\":[]}".getBytes(StandardCharsets.UTF_8), policy)).isEmpty();
        assertThat(ModelListFilter.filter("oops".getBytes(StandardCharsets.UTF_8), policy)).isEmpty();
    }
}
