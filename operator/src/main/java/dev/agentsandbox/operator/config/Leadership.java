package dev.agentsandbox.operator.config;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectorBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What this replica does when its leadership ends, instead of JOSDK's default ({@code System.exit(1)} in the
 * stop-leading callback).
 *
 * <p>JOSDK calls that callback also while the operator stops, i.e. from Quarkus' shutdown, which runs inside the
 * JVM's shutdown hook after a SIGTERM: {@code System.exit} there blocks forever (it waits for the shutdown hooks, one of
 * which is the caller), so the JVM never exited and every stop waited out the grace period for a SIGKILL. And JOSDK
 * never releases the Lease ({@code releaseOnCancel} is off), so a standby waited a whole lease duration to take over.
 *
 * <p>Here: a replica that loses its Lease while running asks Quarkus to stop, so that the new leader reconciles alone
 * (exit code 1, so that Kubernetes restarts it as a standby). A replica that stops (SIGTERM, a rollout) releases its
 * Lease once its controllers have stopped, so that a standby takes over within one retry period.
 */
@Singleton
public class Leadership {

    private static final Logger LOG = Logger.getLogger(Leadership.class);

    private final String leaseName;
    private final String leaseNamespace;
    private final Duration leaseDuration;
    private final String identity;
    private final KubernetesClient client;
    private final Runnable exitAfterLoss;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicBoolean led = new AtomicBoolean();

    @Inject
    public Leadership(OperatorConfig config, KubernetesClient client) {
        this(config.leaderElection().leaseName(), config.operator().namespace(),
                config.leaderElection().leaseDuration(), identity(Optional.ofNullable(System.getenv("HOSTNAME"))),
                client, () -> Quarkus.asyncExit(1));
    }

    Leadership(String leaseName, String leaseNamespace, Duration leaseDuration, String identity,
               KubernetesClient client, Runnable exitAfterLoss) {
        this.leaseName = leaseName;
        this.leaseNamespace = leaseNamespace;
        this.leaseDuration = leaseDuration;
        this.identity = identity;
        this.client = client;
        this.exitAfterLoss = exitAfterLoss;
    }

    /**
     * The pod name (HOSTNAME in a pod) and a random suffix, as Kubernetes' own controllers do: two processes on one
     * host, or a restarted container, never mistake each other's Lease for their own.
     */
    static String identity(Optional<String> hostname) {
        String random = UUID.randomUUID().toString();
        return hostname.filter(h -> !h.isBlank()).map(h -> h + "_" + random).orElse(random);
    }

    public String leaseName() {
        return leaseName;
    }

    public String leaseNamespace() {
        return leaseNamespace;
    }

    /** How long the Lease holds without renewal ({@code agentsandbox.leader-election.lease-duration}). */
    public Duration leaseDuration() {
        return leaseDuration;
    }

    /** How long the leader keeps trying to renew before it gives up the lead: two thirds of the lease duration. */
    public Duration renewDeadline() {
        return leaseDuration.multipliedBy(2).dividedBy(3);
    }

    /** How often every replica tries to take or renew the Lease: 2/15 of the lease duration. */
    public Duration retryPeriod() {
        return leaseDuration.multipliedBy(2).dividedBy(15);
    }

    /** The holder identity this replica writes into the Lease. */
    public String identity() {
        return identity;
    }

    /** Handed to JOSDK, which calls them besides its own (whose exit is switched off). */
    public LeaderCallbacks callbacks() {
        return new LeaderCallbacks(this::startedLeading, this::stoppedLeading, leader -> { });
    }

    private void startedLeading() {
        led.set(true);
        LOG.infof("Leading as %s (Lease %s/%s)", identity, leaseNamespace, leaseName);
    }

    void stoppedLeading() {
        if (stopping.get()) {
            // The operator is stopping: the Lease is released once its controllers have (see released()).
            return;
        }
        LOG.errorf("Lost the Lease %s/%s (held as %s): stopping, so that the new leader reconciles alone",
                leaseNamespace, leaseName, identity);
        stopping.set(true);
        exitAfterLoss.run();
    }

    /** Before the operator stops (QOSDK's observer has the default priority): leadership ends by choice now. */
    void beforeOperatorStops(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent event) {
        stopping.set(true);
    }

    /**
     * After the operator has stopped its controllers and waited for running reconciles: nothing of this replica
     * reconciles any more, so a standby may take over at once. JOSDK has closed its client by now, hence a client of
     * its own, with the same configuration.
     */
    void afterOperatorStopped(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER + 500) ShutdownEvent event) {
        if (!led.get()) {
            return;
        }
        try (KubernetesClient own = new KubernetesClientBuilder().withConfig(client.getConfiguration()).build()) {
            released(own);
        }
    }

    /** Releases the Lease if this replica still holds it; whether it did. Never fails the shutdown. */
    boolean released(KubernetesClient with) {
        // Fabric8's release: only if the holder is this identity, guarded by the Lease's resourceVersion; it renews
        // the Lease for one second, so a standby's next retry after that takes it.
        LeaderElectionConfig config = new LeaderElectionConfig(new LeaseLock(leaseNamespace, leaseName, identity),
                leaseDuration, renewDeadline(), retryPeriod(), new LeaderCallbacks(() -> { }, () -> { }, l -> { }),
                true, leaseName);
        try {
            boolean released = new LeaderElectorBuilder(with, Runnable::run).withConfig(config).build().release();
            LOG.infof(released ? "Released the Lease %s/%s" : "The Lease %s/%s is no longer held by this replica",
                    leaseNamespace, leaseName);
            return released;
        } catch (KubernetesClientException e) {
            LOG.warnf("Could not release the Lease %s/%s (a standby takes over once it expires, within %s): %s",
                    leaseNamespace, leaseName, leaseDuration, e.getMessage());
            return false;
        }
    }
}
