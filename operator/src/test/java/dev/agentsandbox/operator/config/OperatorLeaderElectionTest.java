package dev.agentsandbox.operator.config;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The Lease comes from the configuration the Helm chart sets through environment variables. */
class OperatorLeaderElectionTest {

    @Test
    void defaultLeaseIsTheOperatorLeaseInTheOperatorNamespace() throws IOException {
        OperatorLeaderElection election = new OperatorLeaderElection(new Leadership(config(Map.of()), null));

        assertThat(election.getLeaseName()).isEqualTo("agentsandbox-operator-lease");
        assertThat(election.getLeaseNamespace()).contains("agentsandbox-system");
    }

    @Test
    void leaseNameAndNamespaceFollowTheEnvironmentTheChartSets() throws IOException {
        OperatorLeaderElection election = new OperatorLeaderElection(new Leadership(config(Map.of(
                "AGENTSANDBOX_LEADER_ELECTION_LEASE_NAME", "team-operator-leader",
                "AGENTSANDBOX_OPERATOR_NAMESPACE", "sandbox-operators")), null));

        assertThat(election.getLeaseName()).isEqualTo("team-operator-leader");
        assertThat(election.getLeaseNamespace()).contains("sandbox-operators");
    }

    @Test
    void byDefaultTheLeaseTimesAreJosdksOwn() throws IOException {
        OperatorLeaderElection election = new OperatorLeaderElection(new Leadership(config(Map.of()), null));

        assertThat(election.getLeaseDuration()).isEqualTo(LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE);
        assertThat(election.getRenewDeadline()).isEqualTo(LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE);
        assertThat(election.getRetryPeriod()).isEqualTo(LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE);
    }

    @Test
    void aShorterLeaseDurationShortensTheRenewDeadlineAndRetryPeriodInProportion() throws IOException {
        OperatorLeaderElection election = new OperatorLeaderElection(new Leadership(config(Map.of(
                "AGENTSANDBOX_LEADER_ELECTION_LEASE_DURATION", "6s")), null));

        assertThat(election.getLeaseDuration()).isEqualTo(Duration.ofSeconds(6));
        assertThat(election.getRenewDeadline()).isEqualTo(Duration.ofSeconds(4));
        assertThat(election.getRetryPeriod()).isEqualTo(Duration.ofMillis(800));
    }

    /** application.properties under the given environment variables, as Quarkus layers them (env wins). */
    private static OperatorConfig config(Map<String, String> environment) throws IOException {
        return new SmallRyeConfigBuilder()
                .addDefaultInterceptors()
                .withSources(new PropertiesConfigSource(
                        OperatorLeaderElectionTest.class.getResource("/application.properties"), 250))
                .withSources(new EnvConfigSource(environment, 300))
                .withConverter(Duration.class, 100, new DurationConverter()) // Quarkus' "60s"
                .withMapping(OperatorConfig.class)
                .build()
                .getConfigMapping(OperatorConfig.class);
    }
}
