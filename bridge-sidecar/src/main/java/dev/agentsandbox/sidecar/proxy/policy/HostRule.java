package dev.agentsandbox.sidecar.proxy.policy;

import java.util.Locale;

/**
 * One allow or deny rule: {@code host} (exact), {@code *.domain} (exactly one more label), {@code **.domain}
 * (one or more labels), each optionally with {@code :port}. Without a port a rule covers only 80 and 443.
 *
 * @param text   the rule as written, for logs and denial messages
 * @param suffix the host (exact rules) or the domain after the wildcard, lower case, no trailing dot
 * @param kind   how {@code suffix} is matched
 * @param port   the port the rule names, or 0 for "80 and 443"
 */
public record HostRule(String text, String suffix, Kind kind, int port) {

    /** How a rule's host part matches. */
    public enum Kind { EXACT, ONE_LABEL, ANY_DEPTH }

    /** Parses a rule; the message of the exception names the rule and what is wrong with it. */
    public static HostRule parse(String text) {
        String rule = text.trim().toLowerCase(Locale.ROOT);
        int port = 0;
        int colon = rule.lastIndexOf(':');
        if (colon >= 0) {
            try {
                port = Integer.parseInt(rule.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("host rule '" + text + "': the port after ':' is not a number");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("host rule '" + text + "': port outside 1..65535");
            }
            rule = rule.substring(0, colon);
        }
        Kind kind = Kind.EXACT;
        if (rule.startsWith("**.")) {
            kind = Kind.ANY_DEPTH;
            rule = rule.substring(3);
        } else if (rule.startsWith("*.")) {
            kind = Kind.ONE_LABEL;
            rule = rule.substring(2);
        }
        if (rule.endsWith(".")) {
            rule = rule.substring(0, rule.length() - 1);
        }
        if (rule.isEmpty() || rule.contains("*") || !HostNames.isValidName(rule) && IpLiterals.parse(rule) == null) {
            throw new IllegalArgumentException("host rule '" + text + "': expected host, *.domain or **.domain, "
                    + "optionally with :port");
        }
        if (kind != Kind.EXACT && rule.indexOf('.') < 0) {
            throw new IllegalArgumentException("host rule '" + text + "': a wildcard needs a domain with a dot "
                    + "(e.g. *.example.com)");
        }
        return new HostRule(text.trim(), rule, kind, port);
    }

    /** Whether the host part matches (the port is judged by {@link #coversPort(int)}). */
    public boolean matchesHost(String host) {
        switch (kind) {
            case EXACT:
                return host.equals(suffix);
            case ONE_LABEL:
            case ANY_DEPTH:
                int prefixLength = host.length() - suffix.length() - 1;
                if (prefixLength <= 0 || !host.endsWith(suffix) || host.charAt(prefixLength) != '.') {
                    return false;
                }
                return kind == Kind.ANY_DEPTH || host.lastIndexOf('.', prefixLength - 1) < 0;
            default:
                throw new IllegalStateException(kind.name());
        }
    }

    /** Whether the rule covers the port: the one it names, or 80 and 443 when it names none. */
    public boolean coversPort(int targetPort) {
        return port == 0 ? targetPort == 443 || targetPort == 80 : targetPort == port;
    }
}
