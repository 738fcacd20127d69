package dev.agentsandbox.operator.plan;

import dev.agentsandbox.operator.api.v1alpha1.EgressEnforcement;
import dev.agentsandbox.operator.config.EnforcementMode;
import dev.agentsandbox.operator.plan.EffectiveEnforcement.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class EnforcementRulesTest {

    /** Operator default × spec.egress.enforcement × RuntimeClass handler × allow-weaker → what the sandbox gets. */
    @ParameterizedTest(name = "operator {0}, spec {1}, handler {2}, allowWeaker {3} -> {4} {5}")
    @CsvSource(nullValues = "-", value = {
            // operator     spec            handler  weaker  effective      outcome
            "NETWORKPOLICY, -,              kata,    false,  NETWORKPOLICY, AS_REQUESTED",
            "IPTABLES,      -,              kata,    false,  IPTABLES,      AS_REQUESTED",
            // Stricter is always honoured.
            "NETWORKPOLICY, IPTABLES,       kata,    false,  IPTABLES,      AS_REQUESTED",
            "IPTABLES,      IPTABLES,       kata,    false,  IPTABLES,      AS_REQUESTED",
            "NETWORKPOLICY, NETWORK_POLICY, kata,    false,  NETWORKPOLICY, AS_REQUESTED",
            // Weaker only when the operator allows it.
            "IPTABLES,      NETWORK_POLICY, kata,    false,  IPTABLES,      WEAKER_REFUSED",
            "IPTABLES,      NETWORK_POLICY, kata,    true,   NETWORKPOLICY, AS_REQUESTED",
            // Refused beats the runtime fallback: the sandbox gets no pod either way.
            "IPTABLES,      NETWORK_POLICY, runsc,   false,  IPTABLES,      WEAKER_REFUSED",
            // gVisor cannot run the rules: NetworkPolicy only, whoever asked for iptables.
            "IPTABLES,      -,              runsc,   false,  NETWORKPOLICY, IPTABLES_UNSUPPORTED",
            "NETWORKPOLICY, IPTABLES,       runsc,   false,  NETWORKPOLICY, IPTABLES_UNSUPPORTED",
            "IPTABLES,      IPTABLES,       runsc,   true,   NETWORKPOLICY, IPTABLES_UNSUPPORTED",
            "IPTABLES,      NETWORK_POLICY, runsc,   true,   NETWORKPOLICY, AS_REQUESTED",
            "NETWORKPOLICY, -,              runsc,   false,  NETWORKPOLICY, AS_REQUESTED",
            // Unknown RuntimeClass (RuntimeReady fails anyway): the wanted mode stands.
            "IPTABLES,      -,              -,       false,  IPTABLES,      AS_REQUESTED",
    })
    void decidesTheEffectiveMode(EnforcementMode operatorMode, EgressEnforcement requested, String handler,
                                 boolean allowWeaker, EnforcementMode effective, Outcome outcome) {
        EffectiveEnforcement decided = new EnforcementRules(operatorMode, allowWeaker, List.of("runsc"))
                .decide(requested, "some-class", Optional.ofNullable(handler));

        assertThat(decided.mode()).isEqualTo(effective);
        assertThat(decided.outcome()).isEqualTo(outcome);
        assertThat(decided.egressInit()).isEqualTo(effective == EnforcementMode.IPTABLES);
    }

    @ParameterizedTest
    @CsvSource({"runsc,NETWORKPOLICY", "kata-qemu,IPTABLES"})
    void theUnsupportedHandlersAreTheOperatorsList(String handler, EnforcementMode effective) {
        EnforcementRules rules = new EnforcementRules(EnforcementMode.IPTABLES, false, List.of("runsc"));

        assertThat(rules.decide(null, "x", Optional.of(handler)).mode()).isEqualTo(effective);
        assertThat(new EnforcementRules(EnforcementMode.IPTABLES, false, List.of("kata-qemu", "runsc"))
                .decide(null, "x", Optional.of(handler)).mode()).isEqualTo(EnforcementMode.NETWORKPOLICY);
    }

    @Test
    void theMessagesSayWhatIsLostAndHowToFixIt() {
        EffectiveEnforcement fallback = new EnforcementRules(EnforcementMode.IPTABLES, false, List.of("runsc"))
                .decide(null, "gvisor", Optional.of("runsc"));
        EffectiveEnforcement refused = new EnforcementRules(EnforcementMode.IPTABLES, false, List.of("runsc"))
                .decide(EgressEnforcement.NETWORK_POLICY, "kata", Optional.of("kata"));

        assertThat(fallback.message()).isEqualTo("RuntimeClass gvisor (handler runsc) cannot run iptables rules:"
                + " egress is enforced by the proxy and the NetworkPolicy only, so the agent could open its own"
                + " connections to public ports 80/443");
        assertThat(refused.message()).contains("spec.egress.enforcement NetworkPolicy")
                .contains("agentsandbox.enforcement-mode=iptables")
                .contains("agentsandbox.allow-weaker-enforcement is false")
                .contains("set it to Iptables");
    }
}
