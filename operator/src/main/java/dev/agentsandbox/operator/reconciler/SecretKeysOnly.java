package dev.agentsandbox.operator.reconciler;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * What the operator keeps of a Secret in its informer cache: identity and key names. The values are dropped on
 * arrival, so no secret value is ever held by the operator (nor can reach a log, event or status), and the cache
 * of a label-free Secret informer stays small. Annotations go too: kubectl's last-applied-configuration holds
 * the values in clear. Of the managed fields only their times stay (when the Secret last changed, which clears a
 * credential an upstream rejected before the change: {@code status/UpstreamCredentials}).
 */
public final class SecretKeysOnly implements UnaryOperator<Secret> {

    @Override
    public Secret apply(Secret secret) {
        Map<String, String> keys = new TreeMap<>();
        if (secret.getData() != null) {
            secret.getData().keySet().forEach(key -> keys.put(key, ""));
        }
        if (secret.getStringData() != null) {
            secret.getStringData().keySet().forEach(key -> keys.put(key, ""));
        }
        return new SecretBuilder()
                .withApiVersion(secret.getApiVersion())
                .withKind(secret.getKind())
                .withMetadata(new ObjectMetaBuilder()
                        .withName(secret.getMetadata().getName())
                        .withNamespace(secret.getMetadata().getNamespace())
                        .withUid(secret.getMetadata().getUid())
                        .withResourceVersion(secret.getMetadata().getResourceVersion())
                        .withManagedFields(changeTimes(secret))
                        .build())
                .withType(secret.getType())
                .withData(keys)
                .build();
    }

    /** The times of the managed-fields entries, without the fields they list. */
    private static List<ManagedFieldsEntry> changeTimes(Secret secret) {
        List<ManagedFieldsEntry> entries = secret.getMetadata().getManagedFields();
        return entries == null ? null : entries.stream().filter(entry -> entry.getTime() != null)
                .map(entry -> new ManagedFieldsEntryBuilder().withTime(entry.getTime()).build()).toList();
    }
}
