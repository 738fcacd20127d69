package dev.agentsandbox.operator.config;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.inject.Singleton;

/**
 * Leader election over a Lease in the operator's namespace, so that replicas (and a rolling update) never
 * reconcile at once. Active in the profiles of {@code quarkus.operator-sdk.activate-leader-election-for-profiles}.
 */
@Singleton
public class OperatorLeaderElection extends LeaderElectionConfiguration {

    public static final String LEASE_NAME = "agentsandbox-operator-lease";

    public OperatorLeaderElection() {
        super(LEASE_NAME);
    }
}
