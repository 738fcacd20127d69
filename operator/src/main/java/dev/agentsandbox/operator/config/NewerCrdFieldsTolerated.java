package dev.agentsandbox.operator.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.kubernetes.client.KubernetesClientObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Lets the operator's Kubernetes client read objects that carry fields this release does not know.
 *
 * <p>The API server already prunes every field the installed CRD does not declare, so an unknown field only reaches
 * the operator when the CRD is newer than the operator (an upgrade that applies CRDs first, or a rollback of the
 * operator alone). Failing there would not refuse the object: the informer's watch would stop for every sandbox.
 * Reconciling what this release understands is what every built-in controller does with a newer API.
 */
@Singleton
public class NewerCrdFieldsTolerated implements KubernetesClientObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }
}
