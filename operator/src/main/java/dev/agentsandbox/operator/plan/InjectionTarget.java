package dev.agentsandbox.operator.plan;

/**
 * One header to inject on requests to one host.
 *
 * @param basicAuthUser null, or the user of HTTP basic authentication whose password is the secret
 */
public record InjectionTarget(String host, String header, String format, String basicAuthUser) {

    public static InjectionTarget header(String host, String header, String format) {
        return new InjectionTarget(host, header, format, null);
    }
}
