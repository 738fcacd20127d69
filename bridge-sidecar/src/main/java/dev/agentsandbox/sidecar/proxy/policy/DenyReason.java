package dev.agentsandbox.sidecar.proxy.policy;

/**
 * Why the proxy refused a request. The {@link #code()} is what the client sees in the
 * {@code X-AgentSandbox-Deny} header, in logs and in metrics; it never contains request data.
 */
public enum DenyReason {
    HOST_NOT_ALLOWED("host-not-allowed"),
    HOST_DENIED("host-denied"),
    PORT_NOT_ALLOWED("port-not-allowed"),
    IP_LITERAL("ip-literal-not-allowed"),
    INVALID_HOST("invalid-host"),
    PRIVATE_ADDRESS("private-address"),
    OWN_PORT("proxy-own-port"),
    HOST_MISMATCH("host-mismatch"),
    USERINFO("userinfo-not-allowed"),
    NOT_A_PROXY_REQUEST("not-a-proxy-request");

    private final String code;

    DenyReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
