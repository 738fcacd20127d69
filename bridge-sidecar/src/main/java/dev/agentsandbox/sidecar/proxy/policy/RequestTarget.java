package dev.agentsandbox.sidecar.proxy.policy;

import dev.agentsandbox.sidecar.core.HostAndPort;

import java.util.Locale;

/**
 * Where an HTTP request goes, read from its request target ({@code http://host:port/path}, or origin-form
 * {@code /path} inside an intercepted tunnel) and its {@code Host} header, which must agree: a request whose
 * absolute URI and Host header name different hosts is refused rather than guessing which one the upstream uses.
 *
 * @param host           the host, as written (not yet normalised)
 * @param port           the port (80 when absent in an {@code http://} URI)
 * @param authority      {@code host[:port]} as the upstream's Host header should carry it
 * @param pathAndQuery   the origin-form target to send upstream
 * @param hasUserinfo    whether the URI had {@code user@}; such requests are refused
 */
public record RequestTarget(String host, int port, String authority, String pathAndQuery, boolean hasUserinfo) {

    /** Parses an absolute {@code http://} URI; null when the target is not absolute-form. */
    public static RequestTarget parseAbsolute(String uri) {
        int schemeEnd = uri.indexOf("://");
        if (schemeEnd <= 0) {
            return null;
        }
        String scheme = uri.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
        int defaultPort = switch (scheme) {
            case "http" -> 80;
            case "https" -> 443;
            default -> -1;
        };
        if (defaultPort < 0) {
            return null;
        }
        int authorityStart = schemeEnd + 3;
        int authorityEnd = authorityStart;
        while (authorityEnd < uri.length() && "/?#".indexOf(uri.charAt(authorityEnd)) < 0) {
            authorityEnd++;
        }
        String authority = uri.substring(authorityStart, authorityEnd);
        boolean userinfo = authority.indexOf('@') >= 0;
        if (userinfo) {
            authority = authority.substring(authority.lastIndexOf('@') + 1);
        }
        String rest = uri.substring(authorityEnd);
        int fragment = rest.indexOf('#');
        if (fragment >= 0) {
            rest = rest.substring(0, fragment);
        }
        if (rest.isEmpty()) {
            rest = "/";
        } else if (rest.charAt(0) == '?') {
            rest = "/" + rest;
        }
        HostAndPort hostAndPort = HostAndPort.parse(authority, defaultPort);
        return new RequestTarget(hostAndPort.host(), hostAndPort.port(), authority, rest, userinfo);
    }

    /** Whether a Host header value names this target's host and port (default port {@code defaultPort}). */
    public boolean matchesHostHeader(String hostHeader, int defaultPort) {
        try {
            HostAndPort header = HostAndPort.parse(hostHeader, defaultPort);
            return HostNames.normalize(header.host()).equals(HostNames.normalize(host)) && header.port() == port;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
