package dev.agentsandbox.client;

/**
 * How a sandbox's agent ended for good ({@code status.agentExit}, under {@code spec.agent.restartPolicy} Never or
 * OnFailure): {@link Sandbox#awaitFinished}.
 *
 * @param exitCode   the agent container's exit code; null when it never ran (an init container failed, the pod was
 *                   evicted)
 * @param phase      {@code Succeeded} (exit 0) or {@code Failed}
 * @param reason     the runtime's reason, e.g. Completed, Error, OOMKilled
 * @param finishedAt when it ended (RFC 3339)
 */
public record AgentExit(Integer exitCode, String phase, String reason, String finishedAt) {

    public boolean succeeded() {
        return Integer.valueOf(0).equals(exitCode);
    }
}
