package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.plan.SandboxPlan;
import dev.agentsandbox.sidecar.contract.SidecarMounts;
import dev.agentsandbox.sidecar.contract.SidecarUids;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;

import java.util.ArrayList;
import java.util.List;

/**
 * What the agent trusts: its image's own roots plus the proxy's CA, never the proxy's CA instead of them.
 *
 * <p>Clients that take one CA file from the environment (Python requests and pip through
 * {@code REQUESTS_CA_BUNDLE}, httpx and so the OpenAI and Anthropic SDKs through {@code SSL_CERT_FILE}, git through
 * {@code GIT_SSL_CAINFO}) trust only that file. Pointed at the proxy's CA alone, they would distrust every host the
 * proxy tunnels without intercepting. So an init container in the agent's own image (whose store is the one to
 * extend, and which the git clone and the agent then read) writes the image's system bundle followed by the proxy's
 * CA into a volume of its own, and those variables name that file. {@code NODE_EXTRA_CA_CERTS} keeps the CA alone:
 * Node.js adds it to its built-in roots.
 *
 * <p>The init container needs {@code /bin/sh} and {@code cat} in the agent image; an image without them fails to
 * start it, and the sandbox's Ready condition says so ({@link #TRUST_INIT} in the status).
 */
public final class AgentTrust {

    public static final String TRUST_INIT = "trust-bundle";
    /** Written by {@link #TRUST_INIT}, read by the agent and the git clone. */
    public static final String DIR = "/var/run/agentsandbox/trust";
    public static final String BUNDLE = DIR + "/ca-bundle.crt";
    /**
     * Set to {@link #BUNDLE}: the variables through which clients take a single CA file (curl reads
     * {@code SSL_CERT_FILE}; git's libcurl does not, hence {@code GIT_SSL_CAINFO}).
     */
    public static final List<String> BUNDLE_VARIABLES = List.of("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE",
            "GIT_SSL_CAINFO");
    /** Set to the proxy's CA alone: Node.js adds the file to its own roots. */
    public static final String NODE_EXTRA_CA_CERTS = "NODE_EXTRA_CA_CERTS";

    /**
     * Where Linux distributions keep their PEM bundle (Debian, Ubuntu and Alpine; Fedora and RHEL; openSUSE; older
     * RHEL; the extracted RHEL bundle; Alpine's and others' /etc/ssl/cert.pem): the first non-empty one wins. Without one the bundle holds the proxy's CA only, and the container's log says so.
     */
    static final List<String> SYSTEM_BUNDLES = List.of("/etc/ssl/certs/ca-certificates.crt",
            "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem", "/etc/pki/tls/cacert.pem",
            "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", "/etc/ssl/cert.pem");

    /**
     * Paths arrive as positional parameters, the output through a variable: nothing is spliced into the script.
     * Written beside the target and renamed, so a reader never sees half a bundle; a newline between the two
     * files, since a bundle need not end with one.
     */
    private static final String SCRIPT = "set -eu\n"
            + "system=''\n"
            + "for candidate in \"$@\"; do if [ -s \"$candidate\" ]; then system=\"$candidate\"; break; fi; done\n"
            + "{ if [ -n \"$system\" ]; then cat \"$system\"; echo; fi; cat \"$PROXY_CA\"; } > \"$BUNDLE.tmp\"\n"
            + "mv -f \"$BUNDLE.tmp\" \"$BUNDLE\"\n"
            + "echo \"trust bundle $BUNDLE: ${system:-no system bundle found in the image} and the proxy CA\"\n";

    private AgentTrust() {
    }

    /** Runs after the proxy sidecar has started (its CA is written then) and before the clone and the agent. */
    public static Container init(SandboxPlan plan) {
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", SCRIPT, TRUST_INIT));
        command.addAll(SYSTEM_BUNDLES);
        return new ContainerBuilder()
                .withName(TRUST_INIT)
                .withImage(plan.spec().getAgent().getImage())
                .withCommand(command)
                .withEnv(new EnvVar("PROXY_CA", SidecarMounts.CA_CERT, null), new EnvVar("BUNDLE", BUNDLE, null))
                .withVolumeMounts(
                        SidecarContainers.mount(SandboxVolumes.PROXY_CA, SidecarMounts.CA_DIR, true),
                        SidecarContainers.mount(SandboxVolumes.AGENT_TRUST, DIR, false))
                .withSecurityContext(SecurityContexts.restricted(SidecarUids.AGENT))
                .build();
    }
}
