package dev.agentsandbox.client.examples;

import dev.agentsandbox.client.AgentSandboxClient;
import dev.agentsandbox.client.ExecResult;
import dev.agentsandbox.client.Sandbox;
import dev.agentsandbox.client.SandboxRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * A tool call in a sandbox of its own, as an agent host would run one: open, wait until Ready, exec, close.
 *
 * <pre>
 * ./mvnw -q -pl client compile exec:java -Dexec.mainClass=dev.agentsandbox.client.examples.OneToolCall \
 *     -Dexec.args="team-a template:python-tools sh -c 'echo hello from $(hostname)'"
 * </pre>
 *
 * Arguments: namespace, where the sandbox comes from (an {@code AgentSandboxTemplate} as {@code template:<name>},
 * whose pool, if it has one, lends a warm pod at once; or an agent image), command. The Kubernetes client reads the
 * current kubeconfig.
 */
public final class OneToolCall {

    static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
    static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(1);
    /** The prefix of the second argument that names a template instead of an image. */
    public static final String TEMPLATE_PREFIX = "template:";

    private OneToolCall() {
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: OneToolCall <namespace> <template:NAME | agent image> <command> [args...]");
            System.exit(2);
        }
        try (KubernetesClient kubernetes = new KubernetesClientBuilder().build()) {
            ExecResult result = run(kubernetes, args[0], args[1], Arrays.asList(args).subList(2, args.length));
            System.out.print(result.stdout());
            System.err.print(result.stderr());
            System.exit(result.exitCode());
        }
    }

    /**
     * The whole tool call; the sandbox is deleted when it returns or throws.
     *
     * @param source {@code template:<name>} or an agent image
     */
    public static ExecResult run(KubernetesClient kubernetes, String namespace, String source, List<String> command) {
        AgentSandboxClient sandboxes = new AgentSandboxClient(kubernetes);
        SandboxRequest from = source.startsWith(TEMPLATE_PREFIX)
                ? SandboxRequest.fromTemplate(source.substring(TEMPLATE_PREFIX.length()))
                : SandboxRequest.forImage(source);
        // The deadline is the safety net: were this process killed before close(), the operator deletes it anyway.
        SandboxRequest request = from.inNamespace(namespace)
                .deadline(READY_TIMEOUT.plus(COMMAND_TIMEOUT).plusMinutes(1));
        try (Sandbox sandbox = sandboxes.openReady(request, READY_TIMEOUT)) {
            return sandbox.exec(command, COMMAND_TIMEOUT);
        }
    }
}
