package dev.agentsandbox.operator.api.v1alpha1;

/**
 * Regular expressions shared by the CEL rules of the API model. Annotation values must be compile-time
 * constants, hence the string concatenation. The expressions avoid backslashes: they are embedded in CEL string
 * literals inside YAML, where every escape level is a chance to get it wrong.
 */
final class Validation {

    /** One DNS label: lowercase or uppercase letters, digits and inner hyphens. */
    static final String LABEL = "[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?";

    /** A TCP port from 1 to 65535. */
    static final String PORT = "(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})";

    /** A host rule: {@code host}, {@code *.domain} or {@code **.domain}, with an optional {@code :port}. */
    static final String HOST_RULE = "^([*][*]?[.])?" + LABEL + "([.]" + LABEL + ")*(:" + PORT + ")?$";

    /** One exact host name: no wildcard, no port. */
    static final String EXACT_HOST = "^" + LABEL + "([.]" + LABEL + ")*$";

    /**
     * Longest host rule: a 253-character name, {@code **.} and {@code :65535}. Also the maxLength of each list
     * entry, which bounds the estimated cost of {@link #ALL_HOST_RULES} (unbounded strings exceed the API server's
     * CEL cost budget and make it refuse the CRD).
     */
    static final int HOST_RULE_MAX_LENGTH = 260;

    /** CEL: every entry of the list is a host rule. */
    static final String ALL_HOST_RULES = "self.all(h, h.matches('" + HOST_RULE + "'))";

    static final String HOST_RULE_HELP = "each entry must be a host rule: host, *.domain (one label) or **.domain"
            + " (any depth), with an optional :port, and no scheme, path or spaces, e.g. api.anthropic.com,"
            + " *.npmjs.org or pypi.org:443";

    /** An environment variable name as POSIX shells accept it. */
    static final String ENV_NAME = "^[A-Za-z_][A-Za-z0-9_]*$";

    /** An HTTP header name (RFC 9110 token). */
    static final String HEADER_NAME = "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$";

    /** A DNS-1123 label, as Kubernetes object names of Services, Secrets and the like. */
    static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";

    /** A DNS-1123 subdomain, as Kubernetes object names of Secrets and RuntimeClasses. */
    static final String DNS_SUBDOMAIN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

    /** A duration as Go and CEL's duration() spell it, in hours, minutes and seconds: 30m, 1h30m, 90s. */
    static final String GO_DURATION = "^([0-9]+h([0-9]+m)?([0-9]+s)?|[0-9]+m([0-9]+s)?|[0-9]+s)$";

    /**
     * A CPU quantity above zero, in millicores ({@code 100m}) or cores ({@code 2}, {@code 0.5}): what a person
     * writes for a CPU request, without exponents and suffixes that mean nothing for CPU.
     */
    static final String CPU_ABOVE_ZERO = "^(0*[1-9][0-9]*m|0*[1-9][0-9]*([.][0-9]+)?|0*[.][0-9]*[1-9][0-9]*)$";

    /** An RFC 3339 timestamp, e.g. {@code 2026-12-01T00:00:00Z}. */
    static final String RFC3339 = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$";

    private Validation() {
    }
}
