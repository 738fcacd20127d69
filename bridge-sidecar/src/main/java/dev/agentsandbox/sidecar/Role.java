package dev.agentsandbox.sidecar;

/** One role of the sidecar program, selected by the first command-line argument. */
@FunctionalInterface
public interface Role {

    /**
     * Runs the role with the arguments after its name; returns only when it stops.
     *
     * @return the process exit code (2 for a usage error)
     */
    int run(String[] args) throws Exception;
}
