package dev.agentsandbox.sidecar.egressinit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class Ipv6StackTest {

    @Test
    void presentWhenTheKernelListsIpv6Interfaces(@TempDir Path proc) throws Exception {
        Path ifInet6 = Files.writeString(proc.resolve("if_inet6"),
                "00000000000000000000000000000001 01 80 10 80       lo\n");

        assertThat(new Ipv6Stack(ifInet6).present()).isTrue();
    }

    @Test
    void absentWhenTheKernelHasNoIpv6Stack(@TempDir Path proc) {
        assertThat(new Ipv6Stack(proc.resolve("if_inet6")).present()).isFalse();
    }
}
