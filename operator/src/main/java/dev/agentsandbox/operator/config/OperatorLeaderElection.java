package dev.agentsandbox.operator.config;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.inject.Singleton;

/**
 * Leader election over the Lease {@code agentsandbox.leader-election.lease-name} in the operator's namespace
 * ({@code agentsandbox.operator.namespace}), so that replicas (and a rolling update) never reconcile at once.
 * Active in the profiles of {@code quarkus.operator-sdk.activate-leader-election-for-profiles}, a build-time
 * setting: in prod it is always on. JOSDK needs get, create and update on that Lease, nothing more.
 *
 * <p>JOSDK's own exit on stop-leading is off: it deadlocked the shutdown; {@link Leadership} handles the end of
 * leadership instead.
 */
@Singleton
public class OperatorLeaderElection extends LeaderElectionConfiguration {

    public OperatorLeaderElection(Leadership leadership) {
        super(leadership.leaseName(), leadership.leaseNamespace(), leadership.leaseDuration(),
                leadership.renewDeadline(), leadership.retryPeriod(), leadership.identity(), leadership.callbacks(),
                false);
    }
}
