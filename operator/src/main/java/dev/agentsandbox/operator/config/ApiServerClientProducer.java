package dev.agentsandbox.operator.config;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The operator's Kubernetes client, in place of Quarkus's default one: the same configuration and serialization
 * (with this package's customizations), on {@link ApiServerHttpClientFactory}'s HTTP client. Named here, for the
 * operator alone, and not through Fabric8's service loader, which would hand it to every Fabric8 client of the JVM
 * (the tests' own, the client library's exec streams).
 */
@Singleton
public class ApiServerClientProducer {

    @Produces
    @ApplicationScoped
    KubernetesClient kubernetesClient(KubernetesSerialization serialization, Config config) {
        return new KubernetesClientBuilder().withKubernetesSerialization(serialization).withConfig(config)
                .withHttpClientFactory(new ApiServerHttpClientFactory()).build();
    }

    void close(@Disposes KubernetesClient client) {
        client.close();
    }
}
