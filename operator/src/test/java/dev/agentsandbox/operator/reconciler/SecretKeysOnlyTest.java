package dev.agentsandbox.operator.reconciler;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SecretKeysOnlyTest {

    @Test
    void keepsIdentityAndKeyNamesDropsValuesAndAnnotations() {
        String canary = "test-canary-secret-keys-only";
        Secret secret = new SecretBuilder().withNewMetadata().withName("s").withNamespace("ns").withUid("u")
                .withResourceVersion("7")
                .withAnnotations(Map.of("kubectl.kubernetes.io/last-applied-configuration", canary)).endMetadata()
                .withData(Map.of("api-key", "dGVzdA==")).withStringData(Map.of("token", canary)).build();

        Secret kept = new SecretKeysOnly().apply(secret);

        assertThat(kept.getMetadata().getName()).isEqualTo("s");
        assertThat(kept.getMetadata().getNamespace()).isEqualTo("ns");
        assertThat(kept.getMetadata().getResourceVersion()).isEqualTo("7");
        assertThat(kept.getData()).containsOnlyKeys("api-key", "token").allSatisfy((k, v) -> assertThat(v).isEmpty());
        assertThat(kept.toString()).doesNotContain(canary).doesNotContain("dGVzdA==");
    }

    @Test
    void keepsWhenTheSecretChangedButNotTheFieldsItChanged() {
        Secret secret = new SecretBuilder().withNewMetadata().withName("s").withNamespace("ns")
                .addNewManagedField().withManager("kubectl").withOperation("Update")
                .withTime("2026-12-01T10:00:00Z").withNewFieldsV1().addToAdditionalProperties("f:data",
                        Map.of("f:api-key", Map.of())).endFieldsV1().endManagedField()
                .addNewManagedField().withManager("rotator").withOperation("Apply")
                .withTime("2026-12-02T10:00:00Z").endManagedField()
                .endMetadata().withData(Map.of("api-key", "dGVzdA==")).build();

        Secret kept = new SecretKeysOnly().apply(secret);

        assertThat(kept.getMetadata().getManagedFields()).extracting(f -> f.getTime())
                .containsExactly("2026-12-01T10:00:00Z", "2026-12-02T10:00:00Z");
        assertThat(kept.getMetadata().getManagedFields()).allSatisfy(f -> {
            assertThat(f.getFieldsV1()).isNull();
            assertThat(f.getManager()).isNull();
        });
    }
}
