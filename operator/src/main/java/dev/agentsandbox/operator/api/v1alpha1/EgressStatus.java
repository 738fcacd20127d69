package dev.agentsandbox.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.ArrayList;
import java.util.List;

/** Counts copied from the egress proxy's status endpoint. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EgressStatus(
        @JsonPropertyDescription("Requests and tunnels the proxy allowed.") Long allowed,
        @JsonPropertyDescription("Requests and tunnels the proxy denied.") Long denied,
        @JsonPropertyDescription("The most recently denied hosts, newest first.") List<DeniedHost> lastDenied) {

    public EgressStatus {
        lastDenied = lastDenied == null ? new ArrayList<>() : lastDenied;
    }

    /** A host the proxy refused, and when. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DeniedHost(
            @JsonPropertyDescription("The host the agent asked for.") String host,
            @JsonPropertyDescription("When it was refused (RFC 3339).") String at) {
    }
}
