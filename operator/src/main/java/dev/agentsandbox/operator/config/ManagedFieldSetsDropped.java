package dev.agentsandbox.operator.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.quarkus.kubernetes.client.KubernetesClientObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * The operator's Kubernetes client reads {@code metadata.managedFields} without the field sets
 * ({@code fieldsV1}): who wrote an object, how and when stay; which fields each of them owns is dropped as it is
 * parsed.
 *
 * <p>Every object of the informer caches (each sandbox's Pod, ConfigMap, NetworkPolicy, the AgentSandbox itself,
 * the namespaces' NetworkPolicies) carries one field set per writer — the operator's apply, the scheduler's
 * binding, the kubelet's status — and Fabric8 keeps each as nested maps, one per field: with many sandboxes those
 * maps were most of the operator's live heap. Nothing the operator decides reads them: every dependent compares
 * the fields it sets itself ({@code match} of each dependent, rather than JOSDK's server-side-apply matcher, which
 * compares against the operator's field set), server-side apply sends the desired object without them, and the
 * Secrets' change times ({@code status/UpstreamCredentials}) are the entries' times. The operator never writes back
 * an object it read whole (an update of such an object would replace its managed fields).
 */
@Singleton
public class ManagedFieldSetsDropped implements KubernetesClientObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.addMixIn(ManagedFieldsEntry.class, WithoutFieldSets.class);
    }

    /** Ignored as a property (not kept among the entry's additional properties either). */
    @JsonIgnoreProperties({"fieldsV1"})
    private abstract static class WithoutFieldSets {
    }
}
