package dev.agentsandbox.sidecar.bridge;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Where each route lives on the Model Runner, derived from the one configured upstream URL.
 *
 * <p>The upstream URL names an engine root such as {@code http://docker-model-runner.model-runner.svc/engines/llama.cpp}:
 * OpenAI-compatible routes are appended to it ({@code …/engines/llama.cpp/v1/chat/completions}). The runner serves the
 * Anthropic-compatible API at its own root instead ({@code /anthropic/v1/messages}), so Anthropic routes go to the
 * upstream path with its trailing {@code /engines[/<engine>]} removed, plus {@code /anthropic}. An upstream without
 * an {@code /engines} segment is taken as the runner root itself.
 */
public final class RunnerEndpoints {

    private static final String ENGINES_SEGMENT = "/engines";

    private final String host;
    private final int port;
    private final String enginePath;
    private final String anthropicPath;

    private RunnerEndpoints(String host, int port, String enginePath, String anthropicPath) {
        this.host = host;
        this.port = port;
        this.enginePath = enginePath;
        this.anthropicPath = anthropicPath;
    }

    /** Parses and checks the upstream URL; the message of the exception names the setting and the fix. */
    public static RunnerEndpoints of(String upstream) {
        URI uri;
        try {
            uri = new URI(upstream.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("upstream '" + upstream + "' is not a URL: " + e.getReason()
                    + " (expected e.g. http://docker-model-runner.model-runner.svc/engines/llama.cpp)");
        }
        if (!"http".equals(String.valueOf(uri.getScheme()).toLowerCase(Locale.ROOT)) || uri.getHost() == null) {
            throw new IllegalArgumentException("upstream '" + upstream + "' must be an http:// URL with a host"
                    + " (the Model Runner serves plain HTTP inside the cluster), e.g."
                    + " http://docker-model-runner.model-runner.svc/engines/llama.cpp");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("upstream '" + upstream
                    + "' must not carry user info, a query or a fragment: give only scheme, host, port and path");
        }
        String enginePath = stripTrailingSlashes(uri.getRawPath() == null ? "" : uri.getRawPath());
        int engines = enginePath.lastIndexOf(ENGINES_SEGMENT);
        boolean hasEngines = engines >= 0 && isSegmentEnd(enginePath, engines + ENGINES_SEGMENT.length())
                && enginePath.indexOf('/', engines + ENGINES_SEGMENT.length() + 1) < 0;
        String runnerRoot = hasEngines ? enginePath.substring(0, engines) : enginePath;
        int port = uri.getPort() < 0 ? 80 : uri.getPort();
        return new RunnerEndpoints(uri.getHost(), port, enginePath, runnerRoot + "/anthropic");
    }

    /** The origin-form request target on the runner for a route, keeping the client's query string. */
    public String target(InferenceRoute route, String query) {
        String base = route.api() == InferenceRoute.Api.ANTHROPIC ? anthropicPath : enginePath;
        return base + route.path() + query;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** The {@code Host} header value for requests to the runner. */
    public String hostHeader() {
        return port == 80 ? host : host + ":" + port;
    }

    private static boolean isSegmentEnd(String path, int index) {
        return index == path.length() || path.charAt(index) == '/';
    }

    private static String stripTrailingSlashes(String path) {
        int end = path.length();
        while (end > 0 && path.charAt(end - 1) == '/') {
            end--;
        }
        return path.substring(0, end);
    }
}
