package dev.agentsandbox.operator.plan;

import dev.agentsandbox.operator.api.v1alpha1.EgressEnforcement;
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
            // operator       spec            handler  weaker  effective       outcome
            "NETWORK_POLICY, -,              kata,    false,  NETWORK_POLICY, AS_REQUESTED",
            "IPTABLES,       -,              kata,    false,  IPTABLES,       AS_REQUESTED",
            // Stricter is always honoured.
            "NETWORK_POLICY, IPTABLES,       kata,    false,  IPTABLES,       AS_REQUESTED",
            "IPTABLES,       IPTABLES,       kata,    false,  IPTABLES,       AS_REQUESTED",
            "NETWORK_POLICY, NETWORK_POLICY, kata,    false,  NETWORK_POLICY, AS_REQUESTED",
            // Weaker only when the operator allows it.
            "IPTABLES,       NETWORK_POLICY, kata,    false,  IPTABLES,       WEAKER_REFUSED",
            "IPTABLES,       NETWORK_POLICY, kata,    true,   NETWORK_POLICY, AS_REQUESTED",
            // Refused beats the runtime fallback: the sandbox gets no pod either way.
            "IPTABLES,       NETWORK_POLICY, runsc,   false,  IPTABLES,       WEAKER_REFUSED",
            // gVisor cannot run the rules: NetworkPolicy only, whoever asked for iptables.
            "IPTABLES,       -,              runsc,   false,  NETWORK_POLICY, IPTABLES_UNSUPPORTED",
            "NETWORK_POLICY, IPTABLES,       runsc,   false,  NETWORK_POLICY, IPTABLES_UNSUPPORTED",
            "IPTABLES,       IPTABLES,       runsc,   true,   NETWORK_POLICY, IPTABLES_UNSUPPORTED",
            "IPTABLES,       NETWORK_POLICY, runsc,   true,   NETWORK_POLICY, AS_REQUESTED",
            "NETWORK_POLICY, -,              runsc,   false,  NETWORK_POLICY, AS_REQUESTED",
            // Unknown RuntimeClass (RuntimeReady fails anyway): the wanted mode stands.
            "IPTABLES,       -,              -,       false,  IPTABLES,       AS_REQUESTED",
    })
    void decidesTheEffectiveMode(EgressEnforcement operatorMode, EgressEnforcement requested, String handler,
                                 boolean allowWeaker, EgressEnforcement effective, Outcome outcome) {
        EffectiveEnforcement decided = new EnforcementRules(operatorMode, allowWeaker, List.of("runsc"))
                .decide(requested, "some-class", Optional.ofNullable(handler));

        assertThat(decided.mode()).isEqualTo(effective);
        assertThat(decided.outcome()).isEqualTo(outcome);
        assertThat(decided.egressInit()).isEqualTo(effective == EgressEnforcement.IPTABLES);
    }

    @ParameterizedTest
    @CsvSource({"runsc,NETWORK_POLICY", "kata-qemu,IPTABLES"})
    void theUnsupportedHandlersAreTheOperatorsList(String handler, EgressEnforcement effective) {
        EnforcementRules rules = new EnforcementRules(EgressEnforcement.IPTABLES, false, List.of("runsc"));

        assertThat(rules.decide(null, "x", Optional.of(handler)).mode()).isEqualTo(effective);
        assertThat(new EnforcementRules(EgressEnforcement.IPTABLES, false, List.of("kata-qemu", "runsc"))
                .decide(null, "x", Optional.of(handler)).mode()).isEqualTo(EgressEnforcement.NETWORK_POLICY);
    }

    @Test
    void theMessagesSayWhatIsLostAndHowToFixIt() {
        EffectiveEnforcement fallback = new EnforcementRules(EgressEnforcement.IPTABLES, false, List.of("runsc"))
                .decide(null, "gvisor", Optional.of("runsc"));
        EffectiveEnforcement refused = new EnforcementRules(EgressEnforcement.IPTABLES, false, List.of("runsc"))
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
