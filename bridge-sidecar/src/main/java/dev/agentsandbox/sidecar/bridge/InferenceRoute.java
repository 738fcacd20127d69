package dev.agentsandbox.sidecar.bridge;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The requests the bridge passes to the Model Runner: inference only. Anything else (the runner's model management,
 * backend installation, Ollama pull…) is refused, because the runner has no authentication of its own.
 *
 * <p>This enum is the bridge's path allow list: a request passes only when its method and path (without the query)
 * equal one of these exactly.
 */
public enum InferenceRoute {
    CHAT_COMPLETIONS(HttpMethod.POST, "/v1/chat/completions", Api.OPENAI, true),
    COMPLETIONS(HttpMethod.POST, "/v1/completions", Api.OPENAI, true),
    EMBEDDINGS(HttpMethod.POST, "/v1/embeddings", Api.OPENAI, false),
    /** The OpenAI Responses API; its stream reports usage in the {@code response.completed} event unasked. */
    RESPONSES(HttpMethod.POST, "/v1/responses", Api.OPENAI, false),
    MODELS(HttpMethod.GET, "/v1/models", Api.OPENAI, false),
    /** Anthropic Messages; its stream reports usage in {@code message_start} and {@code message_delta} unasked. */
    MESSAGES(HttpMethod.POST, "/v1/messages", Api.ANTHROPIC, false),
    /** Anthropic token counting: no generation, but Claude Code calls it before large requests. */
    COUNT_TOKENS(HttpMethod.POST, "/v1/messages/count_tokens", Api.ANTHROPIC, false);

    /**
     * Which of the runner's API families serves a route (they live under different roots of the runner), and so
     * which error shape the bridge answers in ({@link BridgeError#toResponse}).
     */
    public enum Api {
        OPENAI, ANTHROPIC;

        /** The shape for an answer given before any request was read (too many connections, a request timeout). */
        public static final Api BEFORE_ANY_REQUEST = OPENAI;

        /**
         * The API a request speaks: its route's; for a request on no route, Anthropic's when it carries
         * {@code anthropic-version} (the Anthropic SDKs and Claude Code always send it) or its path is
         * {@code /v1/messages} or under it, else OpenAI's.
         */
        public static Api of(HttpRequest request) {
            Optional<InferenceRoute> route = match(request.method(), request.uri());
            if (route.isPresent()) {
                return route.get().api;
            }
            String path = pathOf(request.uri());
            return request.headers().contains(ANTHROPIC_VERSION_HEADER) || path.equals(MESSAGES.path)
                    || path.startsWith(MESSAGES.path + "/") ? ANTHROPIC : OPENAI;
        }
    }

    private static final String ANTHROPIC_VERSION_HEADER = "anthropic-version";

    private final HttpMethod method;
    private final String path;
    private final Api api;
    private final boolean reportsStreamUsageOnRequest;

    InferenceRoute(HttpMethod method, String path, Api api, boolean reportsStreamUsageOnRequest) {
        this.method = method;
        this.path = path;
        this.api = api;
        this.reportsStreamUsageOnRequest = reportsStreamUsageOnRequest;
    }

    /** The route a request takes, or empty when the bridge must refuse it. */
    public static Optional<InferenceRoute> match(HttpMethod method, String uri) {
        String path = pathOf(uri);
        for (InferenceRoute route : values()) {
            if (route.method.equals(method) && route.path.equals(path)) {
                return Optional.of(route);
            }
        }
        return Optional.empty();
    }

    /** The allow list in words, for the refusal message. */
    public static String describeAll() {
        return Arrays.stream(values()).map(r -> r.method + " " + r.path).collect(Collectors.joining(", "));
    }

    /** The query string of an origin-form URI including its {@code ?}, or empty (Claude Code sends {@code ?beta=true}). */
    public static String queryOf(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? "" : uri.substring(q);
    }

    private static String pathOf(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    public HttpMethod method() {
        return method;
    }

    public String path() {
        return path;
    }

    public Api api() {
        return api;
    }

    /** Whether the request body names a model (every POST route does). */
    public boolean hasModelInBody() {
        return method.equals(HttpMethod.POST);
    }

    /**
     * Whether a streamed response carries usage only when the request asks for it with
     * {@code stream_options.include_usage} (OpenAI chat and legacy completions).
     */
    public boolean reportsStreamUsageOnRequest() {
        return reportsStreamUsageOnRequest;
    }
}
