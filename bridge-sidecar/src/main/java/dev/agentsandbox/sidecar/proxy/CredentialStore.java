package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.contract.CredentialRule;
import dev.agentsandbox.sidecar.core.FileWatcher;
import dev.agentsandbox.sidecar.core.JsonLog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Holds the secret of each credential rule in memory, read from its mounted Secret file and re-read when the
 * kubelet rotates it ({@link FileWatcher} follows the {@code ..data} symlink swap). Reads happen on the caller's
 * thread at registration and on the watcher thread afterwards, never on an event loop.
 *
 * <p>The only way out of this class is {@link #headerValue}: secrets are never logged, and error messages name
 * the credential and file, never the content.
 */
final class CredentialStore {

    private final FileWatcher watcher;
    private final JsonLog log;
    private final Map<Path, String> secrets = new ConcurrentHashMap<>();
    private final Map<Path, AutoCloseable> watches = new ConcurrentHashMap<>();
    /**
     * Each rule's file as the rule names it → the file as {@link #secrets} holds it: a request's lookup then needs
     * no path parsing, and finds the key by identity.
     */
    private final Map<String, Path> files = new ConcurrentHashMap<>();

    CredentialStore(FileWatcher watcher, JsonLog log) {
        this.watcher = watcher;
        this.log = log;
    }

    /** Reads and watches the file of every rule not yet tracked. */
    void track(Collection<CredentialRule> rules) {
        for (CredentialRule rule : rules) {
            Path file = fileOf(rule);
            if (watches.containsKey(file)) {
                continue;
            }
            byte[] content = null;
            try {
                content = Files.readAllBytes(file);
                store(rule.name(), file, content);
            } catch (IOException e) {
                log.error("credential-unreadable").field("credential", rule.name()).field("file", file.toString())
                        .field("error", e.getClass().getSimpleName()).write();
            }
            try {
                watches.put(file, watcher.watch(file, content, changed -> {
                    store(rule.name(), file, changed);
                    log.info("credential-rotated").field("credential", rule.name()).field("file", file.toString())
                            .write();
                }));
            } catch (IOException e) {
                log.error("credential-unwatchable").field("credential", rule.name()).field("file", file.toString())
                        .field("error", e.getClass().getSimpleName()).write();
            }
        }
    }

    /**
     * The header value for the rule: its format with the {@code %s} replaced literally by the secret (or by
     * Base64 of {@code user:secret} for basic authentication); null when the secret is unavailable.
     */
    String headerValue(CredentialRule rule) {
        String secret = secrets.get(fileOf(rule));
        if (secret == null) {
            return null;
        }
        String filler = rule.basicAuthUser() == null ? secret
                : Base64.getEncoder().encodeToString((rule.basicAuthUser() + ":" + secret)
                        .getBytes(StandardCharsets.UTF_8));
        return rule.format().replace(CredentialRule.PLACEHOLDER, filler);
    }

    private Path fileOf(CredentialRule rule) {
        return files.computeIfAbsent(rule.valueFile(), named -> Path.of(named).toAbsolutePath().normalize());
    }

    private void store(String name, Path file, byte[] content) {
        String secret = new String(content, StandardCharsets.UTF_8).strip();
        if (secret.isEmpty() || secret.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            // A control character would let the file split the header; refuse it rather than inject it.
            secrets.remove(file);
            log.error("credential-invalid").field("credential", name).field("file", file.toString())
                    .field("error", "empty or contains control characters").write();
            return;
        }
        secrets.put(file, secret);
    }
}
