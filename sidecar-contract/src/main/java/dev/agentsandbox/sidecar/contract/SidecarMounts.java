package dev.agentsandbox.sidecar.contract;

/**
 * Where things are mounted in the sandbox pod: the operator mounts them there, names them in the sidecars' command
 * lines and configuration files, and points the agent at the CA certificate the proxy writes.
 */
public final class SidecarMounts {

    /** The sidecar ConfigMap: one file per role. */
    public static final String CONFIG_DIR = "/etc/agentsandbox";
    public static final String PROXY_CONFIG = CONFIG_DIR + "/" + ProxyConfig.FILE_NAME;
    public static final String BRIDGE_CONFIG = CONFIG_DIR + "/" + BridgeConfig.FILE_NAME;
    /**
     * The sidecar ConfigMap's key holding the platform's extra upstream trust (PEM certificates), when the operator
     * has one; the proxy reads it at {@link #UPSTREAM_TRUST}.
     */
    public static final String UPSTREAM_TRUST_FILE_NAME = "upstream-trust.pem";
    public static final String UPSTREAM_TRUST = CONFIG_DIR + "/" + UPSTREAM_TRUST_FILE_NAME;
    /** Shared by the proxy (writes) and the agent (reads). */
    public static final String CA_DIR = "/var/run/agentsandbox/ca";
    /** The file, in the directory given to {@code --ca-dir}, that the proxy writes its CA certificate to. */
    public static final String CA_CERT_FILE = "ca.crt";
    /** The proxy writes only its CA certificate here; the key never leaves the proxy's memory. */
    public static final String CA_CERT = CA_DIR + "/" + CA_CERT_FILE;
    /** The credential Secrets, mounted in the proxy only. */
    public static final String CREDENTIALS_DIR = "/var/run/agentsandbox/credentials";
    /** A writable scratch directory for each sidecar (the root file system is read-only). */
    public static final String TMP = "/tmp";

    private SidecarMounts() {
    }

    /** The file, relative to {@link #CREDENTIALS_DIR}, that a credential's Secret key is projected to. */
    public static String credentialRelativePath(String credentialName, String secretKey) {
        return credentialName + "/" + secretKey;
    }

    /** The file a {@link CredentialRule#valueFile()} names for a credential's Secret key. */
    public static String credentialFile(String credentialName, String secretKey) {
        return CREDENTIALS_DIR + "/" + credentialRelativePath(credentialName, secretKey);
    }
}
