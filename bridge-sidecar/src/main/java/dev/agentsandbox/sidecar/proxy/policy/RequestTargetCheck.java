package dev.agentsandbox.sidecar.proxy.policy;

import java.util.List;

/**
 * Request-target hygiene: the one place that decides whether an HTTP request names its destination unambiguously,
 * before the policy judges that destination. Refused: a target that does not parse, {@code https://} outside a
 * tunnel, {@code user@host} URLs, a {@code Host} header naming another host than the target, several {@code Host}
 * headers, and, inside an intercepted tunnel, a target naming another host than the tunnel's. Each is a way to make
 * the proxy judge one host while the upstream serves another.
 */
public final class RequestTargetCheck {

    private RequestTargetCheck() {
    }

    /**
     * A request on the proxy port: {@code http://} in absolute form only ({@code https://} goes through CONNECT).
     *
     * @param hostHeaders every {@code Host} header of the request, in order
     */
    public static Outcome plain(String uri, List<String> hostHeaders) {
        RequestTarget target;
        try {
            target = RequestTarget.parseAbsolute(uri);
        } catch (IllegalArgumentException e) {
            return Outcome.refused("?", 0, new Denial(DenyReason.INVALID_HOST, "unparsable request target"));
        }
        if (target == null || uri.regionMatches(true, 0, "https:", 0, 6)) {
            return Outcome.refused("?", 0, new Denial(DenyReason.NOT_A_PROXY_REQUEST,
                    "send http:// URLs in absolute form and https:// through CONNECT"));
        }
        return checkHost(target, hostHeaders, 80);
    }

    /**
     * A request decrypted from an intercepted tunnel to {@code tunnelHost:tunnelPort}: origin form, or absolute form
     * naming the tunnel's host.
     *
     * @throws IllegalArgumentException when an absolute-form target has an authority that does not parse
     */
    public static Outcome intercepted(String tunnelHost, int tunnelPort, String uri, List<String> hostHeaders) {
        String authority = tunnelPort == 443 ? tunnelHost : tunnelHost + ":" + tunnelPort;
        RequestTarget target = new RequestTarget(tunnelHost, tunnelPort, authority, uri, false);
        if (!uri.startsWith("/")) {
            RequestTarget absolute = RequestTarget.parseAbsolute(uri);
            if (absolute == null || !absolute.matchesHostHeader(authority, 443)) {
                return Outcome.refused(tunnelHost, tunnelPort, new Denial(DenyReason.HOST_MISMATCH,
                        "request target names another host than the tunnel"));
            }
            target = new RequestTarget(tunnelHost, tunnelPort, authority, absolute.pathAndQuery(),
                    absolute.hasUserinfo());
        }
        return checkHost(target, hostHeaders, 443);
    }

    private static Outcome checkHost(RequestTarget target, List<String> hostHeaders, int defaultPort) {
        if (target.hasUserinfo()) {
            return Outcome.refused(target.host(), target.port(), new Denial(DenyReason.USERINFO,
                    "user@host URLs are refused"));
        }
        if (!hostHeaders.isEmpty() && !target.matchesHostHeader(hostHeaders.get(0), defaultPort)) {
            return Outcome.refused(target.host(), target.port(), new Denial(DenyReason.HOST_MISMATCH,
                    "Host header does not name the request's host"));
        }
        if (hostHeaders.size() > 1) {
            return Outcome.refused(target.host(), target.port(), new Denial(DenyReason.HOST_MISMATCH,
                    "several Host headers"));
        }
        return new Outcome(target, target.host(), target.port(), null);
    }

    /**
     * The target to forward to, or why the request is refused.
     *
     * @param target the target when accepted, else null
     * @param host   the host to report the outcome under ({@code ?} when the target did not parse)
     * @param port   the port to report it under (0 when unknown)
     * @param denial why it is refused, or null when accepted
     */
    public record Outcome(RequestTarget target, String host, int port, Denial denial) {

        static Outcome refused(String host, int port, Denial denial) {
            return new Outcome(null, host, port, denial);
        }

        public boolean isAccepted() {
            return denial == null;
        }
    }
}
