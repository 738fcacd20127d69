package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.contract.CredentialRule;
import dev.agentsandbox.sidecar.core.FileWatcher;
import dev.agentsandbox.sidecar.core.JsonLog;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The header rewrite itself, on Netty's headers, with secrets read from real files. */
class CredentialInjectionUnitTest {

    @Test
    void everyCopyTheAgentSentIsReplacedByTheOneRealValue(@TempDir Path dir) throws Exception {
        Path secret = Files.writeString(dir.resolve("key"), "s3cret\n");
        CredentialRule rule = new CredentialRule("k", "api.example.com", "Authorization", "Bearer %s",
                secret.toString());
        HttpHeaders headers = new DefaultHttpHeaders().add("authorization", "Bearer placeholder")
                .add("AUTHORIZATION", "other").add("Accept", "*/*");

        try (FileWatcher watcher = new FileWatcher(Duration.ofMinutes(10), e -> { })) {
            CredentialStore store = new CredentialStore(watcher, new JsonLog("test", new ByteArrayOutputStream()));
            store.track(List.of(rule));

            assertThat(CredentialInjection.inject(headers, rule, store)).isTrue();
        }
        assertThat(headers.getAll("Authorization")).containsExactly("Bearer s3cret");
        assertThat(headers.get("Accept")).isEqualTo("*/*");
    }

    @Test
    void withoutAReadableSecretThePlaceholderStillNeverLeaves(@TempDir Path dir) throws Exception {
        CredentialRule rule = new CredentialRule("k", "api.example.com", "x-api-key", null,
                dir.resolve("missing").toString());
        HttpHeaders headers = new DefaultHttpHeaders().add("X-Api-Key", "placeholder");

        try (FileWatcher watcher = new FileWatcher(Duration.ofMinutes(10), e -> { })) {
            CredentialStore store = new CredentialStore(watcher, new JsonLog("test", new ByteArrayOutputStream()));
            store.track(List.of(rule));

            assertThat(CredentialInjection.inject(headers, rule, store)).isFalse();
        }
        assertThat(headers.contains("x-api-key")).isFalse();
    }

    @Test
    void aTrailerCannotCarryASecondValueOfTheInjectedHeader() {
        CredentialRule rule = new CredentialRule("k", "api.example.com", "x-api-key", null, "/unused");
        HttpHeaders trailers = new DefaultHttpHeaders().add("X-API-KEY", "smuggled").add("x-checksum", "abc");

        CredentialInjection.stripTrailers(trailers, rule);

        assertThat(trailers.contains("x-api-key")).isFalse();
        assertThat(trailers.get("x-checksum")).isEqualTo("abc");
    }
}
