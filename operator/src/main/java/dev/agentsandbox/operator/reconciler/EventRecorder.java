package dev.agentsandbox.operator.reconciler;

import dev.agentsandbox.operator.api.v1alpha1.AgentSandbox;
import dev.agentsandbox.operator.status.TransitionAnnouncements;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Kubernetes Events about a sandbox or a pool. Messages name objects and fields, never a secret value. Bounded per sandbox by
 * an {@link EventBudget}: repeats of a reason and key within a minute, and anything beyond the per-minute budget,
 * are held back. Sent in the background, one after another in the order they were recorded: an Event is a courtesy,
 * and a reconcile (say, the one that makes a sandbox Ready) does not wait for its round trip to the API server.
 */
@ApplicationScoped
public class EventRecorder {

    public static final String COMPONENT = "agentsandbox-operator";

    private static final Logger LOG = Logger.getLogger(EventRecorder.class);
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);

    private final KubernetesClient client;
    private final EventBudget budget = new EventBudget();
    private final Clock clock;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "event-sender");
        thread.setDaemon(true);
        return thread;
    });

    @Inject
    public EventRecorder(KubernetesClient client) {
        this(client, Clock.systemUTC());
    }

    EventRecorder(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    /** Sends what was recorded before the operator stops (bounded: the API server may be gone). */
    @PreDestroy
    void drain() {
        sender.shutdown();
        try {
            if (!sender.awaitTermination(DRAIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("Stopping with Events not yet sent (%s passed)", DRAIN_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public void warning(HasMetadata sandbox, String reason, String message) {
        emit(sandbox, "Warning", reason, message, null);
    }

    public void normal(HasMetadata sandbox, String reason, String message) {
        emit(sandbox, "Normal", reason, message, null);
    }

    public void announce(AgentSandbox sandbox, TransitionAnnouncements.Announcement announcement) {
        emit(sandbox, announcement.warning() ? "Warning" : "Normal", announcement.reason(), announcement.message(),
                announcement.key());
    }

    /** Events held back by the budget since the operator started. */
    public long suppressed() {
        return budget.suppressed();
    }

    private void emit(HasMetadata sandbox, String type, String reason, String message, String key) {
        Instant instant = clock.instant();
        EventBudget.Verdict verdict = budget.admit(sandbox.getMetadata().getNamespace() + "/"
                + sandbox.getMetadata().getName(), reason, key == null ? message : key, instant);
        if (!verdict.admitted()) {
            if (verdict.firstSuppressed()) {
                LOG.infof("Holding back Events of %s/%s for the rest of the minute (at most %d a minute, one per"
                                + " reason and subject): %s", sandbox.getMetadata().getNamespace(),
                        sandbox.getMetadata().getName(), EventBudget.PER_WINDOW, reason);
            }
            return;
        }
        String now = instant.toString();
        Event event = new EventBuilder()
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
        String namespace = sandbox.getMetadata().getNamespace();
        String name = sandbox.getMetadata().getName();
        try {
            sender.execute(() -> send(event, reason, namespace, name));
        } catch (RejectedExecutionException e) {
            LOG.debugf("Not recording event %s for %s/%s: the operator is stopping", reason, namespace, name);
        }
    }

    private void send(Event event, String reason, String namespace, String name) {
        try {
            client.v1().events().inNamespace(namespace).resource(event).create();
        } catch (KubernetesClientException e) {
            // An event is a courtesy: failing to record one must not fail anything else.
            LOG.warnf("Could not record event %s for %s/%s: %s", reason, namespace, name, e.getMessage());
        }
    }
}
