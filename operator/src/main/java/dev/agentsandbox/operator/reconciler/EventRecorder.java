package dev.agentsandbox.operator.reconciler;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Instant;

/** Kubernetes Events about a sandbox. Messages name objects and fields, never a secret value. */
@ApplicationScoped
public class EventRecorder {

    public static final String COMPONENT = "agentsandbox-operator";

    private static final Logger LOG = Logger.getLogger(EventRecorder.class);

    private final KubernetesClient client;

    @Inject
    public EventRecorder(KubernetesClient client) {
        this.client = client;
    }

    public void warning(AgentSandbox sandbox, String reason, String message) {
        emit(sandbox, "Warning", reason, message);
    }

    public void normal(AgentSandbox sandbox, String reason, String message) {
        emit(sandbox, "Normal", reason, message);
    }

    private void emit(AgentSandbox sandbox, String type, String reason, String message) {
        String now = Instant.now().toString();
        var event = new EventBuilder()
                .withNewMetadata()
                .withGenerateName(sandbox.getMetadata().getName() + ".")
                .withNamespace(sandbox.getMetadata().getNamespace())
                .endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder()
                        .withApiVersion(sandbox.getApiVersion())
                        .withKind(sandbox.getKind())
                        .withName(sandbox.getMetadata().getName())
                        .withNamespace(sandbox.getMetadata().getNamespace())
                        .withUid(sandbox.getMetadata().getUid())
                        .build())
                .withType(type)
                .withReason(reason)
                .withMessage(message)
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withCount(1)
                .withNewSource().withComponent(COMPONENT).endSource()
                .build();
        try {
            client.v1().events().inNamespace(sandbox.getMetadata().getNamespace()).resource(event).create();
        } catch (KubernetesClientException e) {
            // An event is a courtesy: failing to record one must not fail the reconcile.
            LOG.warnf("Could not record event %s for %s/%s: %s", reason, sandbox.getMetadata().getNamespace(),
                    sandbox.getMetadata().getName(), e.getMessage());
        }
    }
}
