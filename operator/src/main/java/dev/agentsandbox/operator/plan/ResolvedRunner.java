package dev.agentsandbox.operator.plan;

/** The Model Runner Service a sandbox's bridge forwards to: {@code spec.model.runner} over the operator's defaults. */
public record ResolvedRunner(String service, String namespace, int port, String engine, int targetPort) {

    /** The engine base URL the bridge appends {@code /v1/...} to. */
    public String upstreamUrl() {
        return "http://" + service + "." + namespace + ".svc:" + port + "/engines/" + engine;
    }

    /** {@code namespace/service}, for messages and indexes. */
    public String serviceKey() {
        return namespace + "/" + service;
    }
}
