package dev.agentsandbox.sidecar.core;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommandLineTest {

    private static final Set<String> VALUES = Set.of("allow", "listen");
    private static final Set<String> FLAGS = Set.of("help");

    @Test
    void parsesRepeatableValuesBothSpellingsAndFlags() {
        CommandLine line = CommandLine.parse(new String[] {"--allow", "a.com", "--allow=b.com", "--listen", "x:1",
                "--help"}, VALUES, FLAGS);
        assertThat(line.values("allow")).containsExactly("a.com", "b.com");
        assertThat(line.value("listen")).contains("x:1");
        assertThat(line.has("help")).isTrue();
        assertThat(line.values("missing")).isEmpty();
    }

    @Test
    void errorsNameTheOption() {
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--alow", "x"}, VALUES, FLAGS))
                .hasMessageContaining("--alow");
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--allow"}, VALUES, FLAGS))
                .hasMessageContaining("--allow needs a value");
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"--listen", "a", "--listen", "b"}, VALUES, FLAGS)
                .value("listen")).hasMessageContaining("give it once");
        assertThatThrownBy(() -> CommandLine.parse(new String[] {"stray"}, VALUES, FLAGS))
                .hasMessageContaining("stray");
    }

    @Test
    void hostAndPortParsesNamesAndBracketedIpv6() {
        assertThat(HostAndPort.parse("127.0.0.1:3128")).isEqualTo(new HostAndPort("127.0.0.1", 3128));
        assertThat(HostAndPort.parse("[::1]:9090")).isEqualTo(new HostAndPort("::1", 9090));
        assertThat(HostAndPort.parse("example.com", 443)).isEqualTo(new HostAndPort("example.com", 443));
        assertThat(new HostAndPort("::1", 80)).hasToString("[::1]:80");
        assertThatThrownBy(() -> HostAndPort.parse("example.com")).hasMessageContaining("no port");
        assertThatThrownBy(() -> HostAndPort.parse("::1:80")).hasMessageContaining("[addr]:port");
        assertThatThrownBy(() -> HostAndPort.parse("h:99999")).hasMessageContaining("outside");
    }
}
