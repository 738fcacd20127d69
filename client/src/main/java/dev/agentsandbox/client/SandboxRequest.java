package dev.agentsandbox.client;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to open: an AgentSandbox {@code spec} (as in its YAML), the namespace, a name prefix (the API server adds a
 * random suffix, so concurrent tool calls never collide), and how long it may live at most.
 *
 * <p>By default a sandbox opened here is short-lived: {@code spec.lifecycle.activeDeadlineSeconds} of
 * {@link #DEFAULT_DEADLINE} with {@code shutdownPolicy: Delete}, so the operator deletes it even when the program that
 * opened it dies before closing it. A deadline or shutdownPolicy in the spec itself is kept.
 */
public final class SandboxRequest {

    public static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(10);
    public static final String DEFAULT_NAME_PREFIX = "tool-call-";
    /** Every sandbox this library opens carries it: {@code kubectl get asb -l app.kubernetes.io/created-by=...}. */
    public static final String CREATED_BY_LABEL = "app.kubernetes.io/created-by";
    public static final String CREATED_BY = "agentsandbox-client";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, Object>> SPEC_TYPE = new TypeReference<>() { };

    private final Map<String, Object> spec;
    private String namespace;
    private String namePrefix = DEFAULT_NAME_PREFIX;
    private Duration deadline;
    private boolean deadlineSet;
    private final Map<String, String> labels = new LinkedHashMap<>();

    private SandboxRequest(Map<String, Object> spec) {
        this.spec = spec;
    }

    /** A sandbox from a full spec, as it would be written in YAML under {@code spec:}. */
    public static SandboxRequest fromSpec(Map<String, Object> spec) {
        Objects.requireNonNull(spec, "spec");
        return new SandboxRequest(deepCopy(spec));
    }

    /**
     * A sandbox whose agent container runs {@code image} with everything else the operator's defaults. The image's
     * entrypoint must keep running (commands are exec'd beside it); otherwise give it a command with
     * {@link #fromSpec}, e.g. {@code agent: {image: ..., command: [sleep, infinity]}}.
     */
    public static SandboxRequest forImage(String image) {
        Objects.requireNonNull(image, "image");
        Map<String, Object> agent = new LinkedHashMap<>();
        agent.put("image", image);
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("agent", agent);
        return new SandboxRequest(spec);
    }

    /**
     * A sandbox of the {@code AgentSandboxTemplate} {@code template} (in the sandbox's namespace): the pod is the
     * template's, so a warm pool of the template serves it at once (an {@code AgentSandboxPool}; without one, or
     * with none ready, it starts cold). Only what leaves the pod as it is may be added: the lifecycle
     * ({@link #deadline}, {@link #deleteAfterFinished}); {@link #command} and {@link #restartPolicy} are the
     * template's.
     */
    public static SandboxRequest fromTemplate(String template) {
        Objects.requireNonNull(template, "template");
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("templateRef", new LinkedHashMap<>(Map.of("name", template)));
        return new SandboxRequest(spec);
    }

    /**
     * The agent container's command ({@code spec.agent.command}) instead of the image's entrypoint: the tool call
     * itself, with {@link #restartPolicy} {@code Never}, whose exit ends the sandbox ({@link Sandbox#awaitFinished}).
     */
    public SandboxRequest command(String... command) {
        agent("command").put("command", List.of(command));
        return this;
    }

    /**
     * {@code spec.agent.restartPolicy}, as a Pod's: {@code Always} (the operator's default: the agent is restarted
     * and the sandbox runs until closed), {@code OnFailure} or {@code Never} (its exit ends the sandbox: Succeeded or
     * Failed with the exit code; nothing restarts).
     */
    public SandboxRequest restartPolicy(String policy) {
        agent("restartPolicy").put("restartPolicy", Objects.requireNonNull(policy, "policy"));
        return this;
    }

    /**
     * Delete the sandbox this long after its agent ended ({@code spec.lifecycle.ttlSecondsAfterFinished}, whole
     * seconds, 0 or more): long enough to read its end and its log ({@link Sandbox#awaitFinished},
     * {@link Sandbox#agentLog}). Needs an agent that can end ({@link #restartPolicy} {@code Never} or
     * {@code OnFailure}, here or in the template).
     */
    public SandboxRequest deleteAfterFinished(Duration ttl) {
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("deleteAfterFinished must be 0s or more, got " + ttl);
        }
        lifecycleOf(spec).put("ttlSecondsAfterFinished", ttl.toSeconds());
        return this;
    }

    /** The namespace to open it in; without one, the Kubernetes client's namespace. */
    public SandboxRequest inNamespace(String namespace) {
        this.namespace = namespace;
        return this;
    }

    /** The start of its name ({@code metadata.generateName}); {@value #DEFAULT_NAME_PREFIX} by default. */
    public SandboxRequest namePrefix(String namePrefix) {
        this.namePrefix = Objects.requireNonNull(namePrefix, "namePrefix");
        return this;
    }

    /**
     * Delete the sandbox this long after its creation, whatever happens to the caller (whole seconds, at least one);
     * this overrides the spec's {@code activeDeadlineSeconds}.
     */
    public SandboxRequest deadline(Duration deadline) {
        if (deadline.toSeconds() < 1) {
            throw new IllegalArgumentException("deadline must be at least 1s, got " + deadline);
        }
        this.deadline = deadline;
        this.deadlineSet = true;
        return this;
    }

    /** No deadline: the sandbox lives until it is closed (or its spec says otherwise). */
    public SandboxRequest withoutDeadline() {
        this.deadline = null;
        this.deadlineSet = true;
        return this;
    }

    public SandboxRequest label(String key, String value) {
        labels.put(key, value);
        return this;
    }

    String namespace() {
        return namespace;
    }

    GenericKubernetesResource toResource(String defaultNamespace) {
        Map<String, Object> body = deepCopy(spec);
        Map<String, Object> lifecycle = lifecycleOf(body);
        if (deadlineSet && deadline != null) {
            lifecycle.put("activeDeadlineSeconds", deadline.toSeconds());
            lifecycle.putIfAbsent("shutdownPolicy", "Delete");
        } else if (!deadlineSet) {
            lifecycle.putIfAbsent("activeDeadlineSeconds", DEFAULT_DEADLINE.toSeconds());
            lifecycle.putIfAbsent("shutdownPolicy", "Delete");
        }
        if (lifecycle.isEmpty()) {
            body.remove("lifecycle");
        }
        Map<String, String> allLabels = new LinkedHashMap<>(labels);
        allLabels.put(CREATED_BY_LABEL, CREATED_BY);
        return new GenericKubernetesResourceBuilder()
                .withApiVersion(AgentSandboxResource.GROUP + "/" + AgentSandboxResource.VERSION)
                .withKind(AgentSandboxResource.KIND)
                .withNewMetadata().withGenerateName(namePrefix)
                .withNamespace(namespace != null ? namespace : defaultNamespace).withLabels(allLabels).endMetadata()
                .addToAdditionalProperties("spec", body)
                .build();
    }

    /** The agent of a request that has one of its own: a template's agent is the template's. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> agent(String field) {
        if (spec.containsKey("templateRef")) {
            throw new IllegalStateException("spec.agent." + field + " of a sandbox from a template is the"
                    + " template's: set it in the AgentSandboxTemplate");
        }
        return (Map<String, Object>) spec.computeIfAbsent("agent", k -> new LinkedHashMap<String, Object>());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> lifecycleOf(Map<String, Object> spec) {
        Object lifecycle = spec.get("lifecycle");
        if (lifecycle instanceof Map<?, ?>) {
            return (Map<String, Object>) lifecycle;
        }
        Map<String, Object> created = new LinkedHashMap<>();
        spec.put("lifecycle", created);
        return created;
    }

    /** The caller's map stays theirs: neither changed here nor by changes they make after this call. */
    private static Map<String, Object> deepCopy(Map<String, Object> spec) {
        try {
            return JSON.readValue(JSON.writeValueAsBytes(spec), SPEC_TYPE);
        } catch (IOException e) {
            throw new UncheckedIOException("the spec is not JSON: " + e.getMessage(), e);
        }
    }
}
