package dev.agentsandbox.sidecar;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class MainTest {

    @Test
    void anUnknownRolePrintsUsageAndExits2() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"proxxy"}, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown role 'proxxy'").contains("proxy|bridge|egress-init");
    }

    @Test
    void noRoleIsAUsageError() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(Main.run(new String[0], new PrintStream(err, true, StandardCharsets.UTF_8))).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("usage:");
    }

    @Test
    void aBadProxyOptionIsAUsageError() throws Exception {
        assertThat(Main.run(new String[] {"proxy", "--allow"}, System.err)).isEqualTo(2);
        assertThat(Main.run(new String[] {"proxy", "--credential", "host=a.com,header=X"}, System.err)).isEqualTo(2);
        assertThat(Main.run(new String[] {"proxy", "--config", "/x.json", "--allow", "a.com"}, System.err)).isEqualTo(2);
    }
}
