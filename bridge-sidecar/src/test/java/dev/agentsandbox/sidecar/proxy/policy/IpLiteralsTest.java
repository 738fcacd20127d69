package dev.agentsandbox.sidecar.proxy.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class IpLiteralsTest {

    @ParameterizedTest
    @CsvSource({"127.0.0.1,127.0.0.1", "2130706433,127.0.0.1", "0x7f.1,127.0.0.1", "0x7f000001,127.0.0.1",
            "0177.0.0.1,127.0.0.1", "017700000001,127.0.0.1", "127.1,127.0.0.1", "127.0.1,127.0.0.1",
            "0x7F.0.0.0x1,127.0.0.1", "169.254.43518,169.254.169.254", "0xa9fea9fe,169.254.169.254",
            "[::1],0:0:0:0:0:0:0:1", "::ffff:127.0.0.1,127.0.0.1", "[::ffff:7f00:1],127.0.0.1"})
    void recognisesEveryEncoding(String text, String expected) {
        assertThat(IpLiterals.parse(text)).as(text).isNotNull();
        assertThat(IpLiterals.parse(text).getHostAddress()).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "1.2.3.4.5", "256.0.0.1", "1.256.0.1", "0x1g.0.0.1", "09.0.0.1",
            "4294967296", "fe80::1%eth0", "api.test.example", ""})
    void rejectsWhatIsNoAddress(String text) {
        assertThat(IpLiterals.parse(text)).as(text).isNull();
    }

    @Test
    void cidrContainment() {
        CidrRange range = CidrRange.parse("100.64.0.0/10");
        assertThat(range.contains(IpLiterals.parse("100.127.255.255"))).isTrue();
        assertThat(range.contains(IpLiterals.parse("100.128.0.0"))).isFalse();
        assertThat(CidrRange.parse("fc00::/7").contains(IpLiterals.parse("fdff::1"))).isTrue();
    }
}
