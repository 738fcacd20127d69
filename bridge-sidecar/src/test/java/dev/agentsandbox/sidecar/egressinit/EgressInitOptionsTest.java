package dev.agentsandbox.sidecar.egressinit;

import dev.agentsandbox.sidecar.contract.EgressInitArgs;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EgressInitOptionsTest {

    @Test
    void readsBothUidsInEitherSpelling() {
        var options = EgressInitOptions.parse("--proxy-uid", "1337", "--bridge-uid=1338");

        assertThat(options.rules()).isEqualTo(new EgressRules(1337, 1338));
        assertThat(options.dryRun()).isFalse();
        assertThat(options.help()).isFalse();
    }

    @Test
    void readsTheArgumentsTheOperatorWrites() {
        List<String> containerArgs = EgressInitArgs.forUids(1337, 1338);

        assertThat(containerArgs.get(0)).isEqualTo("egress-init");
        assertThat(EgressInitOptions.parse(containerArgs.subList(1, containerArgs.size()).toArray(String[]::new))
                .rules()).isEqualTo(new EgressRules(1337, 1338));
    }

    @Test
    void dryRunIsAFlag() {
        assertThat(EgressInitOptions.parse("--dry-run", "--proxy-uid", "1", "--bridge-uid", "2").dryRun()).isTrue();
    }

    @Test
    void helpNeedsNothingElse() {
        assertThat(EgressInitOptions.parse("--help").help()).isTrue();
        assertThat(EgressInitOptions.parse("--proxy-uid", "1337", "--help").help()).isTrue();
    }

    @Test
    void missingUidIsNamedWithAnExample() {
        assertThatThrownBy(() -> EgressInitOptions.parse("--bridge-uid", "1338"))
                .hasMessageContaining("--proxy-uid is required")
                .hasMessageContaining("--proxy-uid 1337");
        assertThatThrownBy(() -> EgressInitOptions.parse("--proxy-uid", "1337"))
                .hasMessageContaining("--bridge-uid is required");
    }

    @Test
    void badValuesNameTheFlag() {
        assertThatThrownBy(() -> EgressInitOptions.parse("--proxy-uid", "proxy", "--bridge-uid", "1338"))
                .hasMessage("--proxy-uid must be a numeric UID, got 'proxy'");
        assertThatThrownBy(() -> EgressInitOptions.parse("--proxy-uid", "1337", "--bridge-uid", "0"))
                .hasMessageStartingWith("--bridge-uid must not be 0");
        assertThatThrownBy(() -> EgressInitOptions.parse("--proxy-uid"))
                .hasMessageContaining("--proxy-uid needs a value");
    }

    @Test
    void aUidGivenTwiceIsRefused() {
        assertThatThrownBy(() -> EgressInitOptions.parse("--proxy-uid", "1337", "--proxy-uid", "0", "--bridge-uid", "1"))
                .hasMessageContaining("--proxy-uid given 2 times");
    }

    @Test
    void unknownOptionIsNamed() {
        assertThatThrownBy(() -> EgressInitOptions.parse("--proxy-uid", "1337", "--bridge-uid", "1338", "--ipv4-only"))
                .hasMessageContaining("unknown option --ipv4-only");
    }
}
