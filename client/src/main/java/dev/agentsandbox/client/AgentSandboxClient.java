package dev.agentsandbox.client;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.time.Duration;
import java.util.Objects;

/**
 * Opens AgentSandboxes through a Fabric8 {@link KubernetesClient} the caller owns (its credentials need create,
 * get, watch and delete on {@code agentsandboxes} and create on {@code pods/exec} in the namespace). See
 * {@code client/README.md}.
 */
public final class AgentSandboxClient {

    private final KubernetesClient kubernetes;

    public AgentSandboxClient(KubernetesClient kubernetes) {
        this.kubernetes = Objects.requireNonNull(kubernetes, "kubernetes");
    }

    /** Creates the sandbox and returns at once; {@link Sandbox#awaitReady} waits for it. */
    public Sandbox open(SandboxRequest request) {
        GenericKubernetesResource desired = request.toResource(kubernetes.getNamespace());
        String namespace = desired.getMetadata().getNamespace();
        if (namespace == null) {
            throw new IllegalArgumentException("no namespace: set SandboxRequest.inNamespace or the client's");
        }
        try {
            GenericKubernetesResource created = kubernetes.genericKubernetesResources(AgentSandboxResource.CONTEXT)
                    .inNamespace(namespace).resource(desired).create();
            return new Sandbox(kubernetes, namespace, created.getMetadata().getName());
        } catch (KubernetesClientException e) {
            String why = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                    : e.getMessage();
            throw new SandboxException("creating an AgentSandbox " + desired.getMetadata().getGenerateName()
                    + "* in namespace " + namespace + " failed (HTTP " + e.getCode() + "): " + why, e);
        }
    }

    /**
     * Opens a sandbox and waits until it is Ready; if it does not become Ready in time it is deleted before the
     * exception is thrown, so a failed open leaves nothing behind.
     */
    public Sandbox openReady(SandboxRequest request, Duration timeout) {
        Sandbox sandbox = open(request);
        try {
            return sandbox.awaitReady(timeout);
        } catch (RuntimeException e) {
            try {
                sandbox.close();
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /** A sandbox that already exists, e.g. opened by another process. */
    public Sandbox attach(String namespace, String name) {
        return new Sandbox(kubernetes, namespace, name);
    }
}
