package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.contract.CredentialRule;
import dev.agentsandbox.sidecar.contract.ProxyConfig;
import dev.agentsandbox.sidecar.proxy.policy.DenyReason;
import dev.agentsandbox.sidecar.proxy.policy.EgressPolicy;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The decision in its three steps: policy, resolution, address check; and what an admission carries on. */
class EgressGateTest {

    @Test
    void productionResolverAndGuardRefuseANameThatResolvesToLoopback() throws Exception {
        EgressPolicy policy = EgressPolicy.from(new ProxyConfig(List.of("localhost"), null, null, null),
                Set.of(), Set.of());
        try (SystemHostResolver resolver = new SystemHostResolver(1, 4)) {
            Admission admission = new EgressGate(() -> policy, resolver).admit("localhost", 443)
                    .get(30, TimeUnit.SECONDS);
            assertThat(admission.isAdmitted()).isFalse();
            assertThat(admission.denial().reason()).isEqualTo(DenyReason.PRIVATE_ADDRESS);
        }
    }

    @Test
    void aDnsAnswerMixingPublicAndPrivateAddressesIsRefused() throws Exception {
        EgressPolicy policy = EgressPolicy.from(new ProxyConfig(List.of("rebind.example"), null, null, null),
                Set.of(), Set.of());
        List<InetAddress> answer = List.of(InetAddress.getByName("93.184.216.34"),
                InetAddress.getByName("169.254.169.254"));
        HostResolver mixed = name -> CompletableFuture.completedFuture(answer);
        Admission admission = new EgressGate(() -> policy, mixed).admit("rebind.example", 443).get(5, TimeUnit.SECONDS);
        assertThat(admission.denial().reason()).isEqualTo(DenyReason.PRIVATE_ADDRESS);
        assertThat(admission.denial().detail()).isEqualTo("169.254.0.0/16");
    }

    @Test
    void anAdmittedDestinationCarriesExactlyTheCheckedAddress() throws Exception {
        EgressPolicy policy = EgressPolicy.from(new ProxyConfig(List.of("api.example.com"), null, null, null),
                Set.of(), Set.of());
        InetAddress checked = InetAddress.getByName("93.184.216.34");
        Admission admission = new EgressGate(() -> policy, name -> CompletableFuture.completedFuture(List.of(checked)))
                .admit("API.Example.com.", 443).get(5, TimeUnit.SECONDS);
        assertThat(admission.destination().socketAddress().getAddress()).isEqualTo(checked);
        assertThat(admission.destination().host()).isEqualTo("api.example.com");
    }

    @Test
    void anAdmittedDestinationCarriesTheCredentialThePolicyDecidedOn() throws Exception {
        EgressPolicy policy = EgressPolicy.from(new ProxyConfig(List.of("**.example.com"), null, null,
                List.of(new CredentialRule("key", "api.example.com", "x-api-key", null, "/f"))), Set.of(), Set.of());
        List<InetAddress> publicAddress = List.of(InetAddress.getByName("93.184.216.34"));
        HostResolver resolver = name -> CompletableFuture.completedFuture(publicAddress);
        EgressGate gate = new EgressGate(() -> policy, resolver);

        assertThat(gate.admit("api.example.com", 443).get(5, TimeUnit.SECONDS).destination().credential().name())
                .isEqualTo("key");
        assertThat(gate.admit("www.example.com", 443).get(5, TimeUnit.SECONDS).destination().credential()).isNull();
    }
}
