package dev.agentsandbox.sidecar.proxy.policy;

import dev.agentsandbox.sidecar.contract.ForbiddenRanges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class AddressGuardTest {

    private final AddressGuard guard = new AddressGuard(List.of(), Set.of(3128, 9090), Set.of());

    /** The list the NetworkPolicy also reads: each range is refused by name, and no two overlap. */
    @Test
    void everyForbiddenRangeOfTheContractIsRefusedAsItself() throws Exception {
        List<CidrRange> ranges = ForbiddenRanges.ALL.stream().map(range -> CidrRange.parse(range.cidr())).toList();
        for (CidrRange range : ranges) {
            InetAddress first = InetAddress.getByName(range.text().substring(0, range.text().indexOf('/')));
            Denial denial = guard.check(first, 443);
            assertThat(denial).as(range.text()).isNotNull();
            assertThat(denial.detail()).isEqualTo(range.text());
            for (CidrRange other : ranges) {
                if (other != range) {
                    assertThat(other.contains(first)).as(range.text() + " inside " + other.text()).isFalse();
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.5.4", "172.31.255.255", "192.168.0.1",
            "169.254.169.254", "169.254.0.1", "100.64.0.1", "100.127.255.254", "0.0.0.0", "0.1.2.3", "224.0.0.1",
            "239.255.255.250", "255.255.255.255", "198.18.0.1", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1",
            "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1",
            "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::1", "2002:7f00:1::1", "2002:a9fe:a9fe::1",
            "2001:0:4136:e378:8000:63bf:80ff:fffe", "fec0::1",
            // Every IPv6 shape that embeds an IPv4 address, carrying loopback, RFC 1918 and the metadata address.
            "::ffff:0:127.0.0.1", "::ffff:0:10.0.0.1", "::ffff:0:169.254.169.254", "::ffff:0:0.0.0.0",
            "::ffff:0:7f00:1", "2a00:1450:4001::5efe:127.0.0.1", "2a00:1450:4001::200:5efe:10.1.2.3",
            "2a00:1450:4001::5efe:169.254.169.254", "2001:0:4136:e378:8000:63bf:f5ff:fffe", "2002:a00:1::1",
            "64:ff9b::10.0.0.1", "::10.0.0.1"})
    void alwaysDeniedAddressesAreRefused(String address) throws Exception {
        Denial denial = guard.check(InetAddress.getByName(address), 443);
        assertThat(denial).as(address).isNotNull();
        assertThat(denial.reason()).isEqualTo(DenyReason.PRIVATE_ADDRESS);
    }

    @Test
    void theTranslatedFormOfLoopbackIsALocalAddressForTheOwnPortCheck() throws Exception {
        AddressGuard exempting = new AddressGuard(List.of(CidrRange.parse("::/0")), Set.of(3128), Set.of());
        assertThat(exempting.check(InetAddress.getByName("::ffff:0:127.0.0.1"), 3128).reason())
                .isEqualTo(DenyReason.OWN_PORT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"::ffff:0:8.8.8.8", "2a00:1450:4001::5efe:8.8.8.8", "8.8.8.8", "1.1.1.1", "100.128.0.1", "172.32.0.1", "2606:4700:4700::1111",
            "64:ff9b::808:808", "2002:808:808::1"})
    void publicAddressesPass(String address) throws Exception {
        assertThat(guard.check(InetAddress.getByName(address), 443)).as(address).isNull();
    }

    @Test
    void allowCidrsExemptARange() throws Exception {
        AddressGuard exempting = new AddressGuard(List.of(CidrRange.parse("10.20.0.0/16")), Set.of(), Set.of());
        assertThat(exempting.check(InetAddress.getByName("10.20.3.4"), 443)).isNull();
        assertThat(exempting.check(InetAddress.getByName("10.21.3.4"), 443)).isNotNull();
    }

    @Test
    void ownPortsOnLocalAddressesAreRefusedEvenWhenTheRangeIsAllowed() throws Exception {
        InetAddress podIp = InetAddress.getByName("10.1.2.3");
        AddressGuard exempting = new AddressGuard(List.of(CidrRange.parse("0.0.0.0/0"), CidrRange.parse("::/0")),
                Set.of(3128), Set.of(podIp));
        for (String local : List.of("127.0.0.1", "0.0.0.0", "::1", "::ffff:127.0.0.1", "10.1.2.3")) {
            Denial denial = exempting.check(InetAddress.getByName(local), 3128);
            assertThat(denial).as(local).isNotNull();
            assertThat(denial.reason()).isEqualTo(DenyReason.OWN_PORT);
        }
        assertThat(exempting.check(InetAddress.getByName("10.9.9.9"), 3128)).isNull();
    }
}
