package dev.agentsandbox.operator.dependent;

import dev.agentsandbox.operator.plan.ResolvedCredential;
import dev.agentsandbox.sidecar.config.BridgeConfig;
import dev.agentsandbox.sidecar.config.ProxyConfig;

/**
 * Where things are inside the sandbox pod. Shared by the pod (which mounts them) and the sidecar ConfigMap (which
 * names them), so that a credential rule always points at the file its Secret key is mounted as.
 */
public final class SidecarPaths {

    public static final String CONFIG_DIR = "/etc/agentsandbox";
    public static final String PROXY_CONFIG = CONFIG_DIR + "/" + ProxyConfig.FILE_NAME;
    public static final String BRIDGE_CONFIG = CONFIG_DIR + "/" + BridgeConfig.FILE_NAME;
    public static final String CA_DIR = "/var/run/agentsandbox/ca";
    /** The proxy writes only its CA certificate here; the key never leaves the proxy's memory. */
    public static final String CA_CERT = CA_DIR + "/ca.crt";
    public static final String CREDENTIALS_DIR = "/var/run/agentsandbox/credentials";

    public static final int PROXY_PORT = 3128;
    public static final int PROXY_ADMIN_PORT = 9090;
    public static final int BRIDGE_PORT = 54321;
    public static final int BRIDGE_ADMIN_PORT = 9091;
    public static final String PROXY_URL = "http://127.0.0.1:" + PROXY_PORT;
    public static final String BRIDGE_URL = "http://127.0.0.1:" + BRIDGE_PORT;

    public static final long AGENT_UID = 1000;
    public static final long PROXY_UID = 1337;
    public static final long BRIDGE_UID = 1338;

    private SidecarPaths() {
    }

    /** The file, relative to {@link #CREDENTIALS_DIR}, that a credential's Secret key is projected to. */
    public static String credentialRelativePath(ResolvedCredential credential) {
        return credential.name() + "/" + credential.secretRef().getKey();
    }

    public static String credentialFile(ResolvedCredential credential) {
        return CREDENTIALS_DIR + "/" + credentialRelativePath(credential);
    }
}
