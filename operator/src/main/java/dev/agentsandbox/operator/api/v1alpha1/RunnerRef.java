package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/** A Docker Model Runner Service. Every field is optional: what is omitted comes from the operator's defaults. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RunnerRef {

    @JsonPropertyDescription("Name of the Model Runner Service, e.g. docker-model-runner.")
    @Pattern(Validation.DNS_LABEL)
    @Size(max = 63)
    private String service;

    @JsonPropertyDescription("Namespace of the Model Runner Service.")
    @Pattern(Validation.DNS_LABEL)
    @Size(max = 63)
    private String namespace;

    @JsonPropertyDescription("Port of the Model Runner Service.")
    @Min(1)
    @Max(65535)
    private Integer port;

    @JsonPropertyDescription("Inference engine of the Model Runner, e.g. llama.cpp or vllm.")
    @Pattern("^[A-Za-z0-9][A-Za-z0-9._-]*$")
    @Size(max = 63)
    private String engine;

    public RunnerRef() {
    }

    public RunnerRef(String service, String namespace, Integer port, String engine) {
        this.service = service;
        this.namespace = namespace;
        this.port = port;
        this.engine = engine;
    }

    public String getService() {
        return service;
    }

    public void setService(String service) {
        this.service = service;
    }

    public String getNamespace() {
        return namespace;
    }

    public void setNamespace(String namespace) {
        this.namespace = namespace;
    }

    public Integer getPort() {
        return port;
    }

    public void setPort(Integer port) {
        this.port = port;
    }

    public String getEngine() {
        return engine;
    }

    public void setEngine(String engine) {
        this.engine = engine;
    }
}
