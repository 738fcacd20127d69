package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.contract.CredentialRule;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * Sets the credential header the policy decided on ({@link CheckedDestination#credential()}) on a request
 * decrypted from an intercepted tunnel. The agent never holds the secret: whatever it sent under that header name
 * (header names are case-insensitive) is removed first.
 */
final class CredentialInjection {

    private CredentialInjection() {
    }

    /**
     * Removes every copy of the rule's header the client sent, then sets the real value. Without a rule, nothing is
     * touched; without a readable secret, the client's copies are still removed so a placeholder never reaches the
     * upstream as if it were the key.
     *
     * @return whether the real value was set
     */
    static boolean inject(HttpHeaders headers, CredentialRule rule, CredentialStore secrets) {
        if (rule == null) {
            return false;
        }
        headers.remove(rule.header());
        String value = secrets.headerValue(rule);
        if (value == null) {
            return false;
        }
        headers.set(rule.header(), value);
        return true;
    }

    /** A trailer may not smuggle a second value of the injected header past the injection. */
    static void stripTrailers(HttpHeaders trailers, CredentialRule rule) {
        if (rule != null && !trailers.isEmpty()) {
            trailers.remove(rule.header());
        }
    }
}
