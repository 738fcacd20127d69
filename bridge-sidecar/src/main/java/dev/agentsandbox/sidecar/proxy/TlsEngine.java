package dev.agentsandbox.sidecar.proxy;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

/**
 * The TLS implementation of interception, both towards the agent (the minted certificates) and towards the real
 * upstream: BoringSSL (netty-tcnative) when its native library loads here, else the JDK's. BoringSSL does the
 * handshakes' elliptic-curve arithmetic and AES-GCM in native code; the JDK does them in Java, which makes a new
 * intercepted connection several times the CPU of a tunnel. The native library ships for linux x86_64 and aarch64
 * and is extracted to {@code io.netty.native.workdir} (default: {@code java.io.tmpdir}, the sidecar's writable
 * /tmp); where it cannot load, interception still works, only slower, and the start log says why.
 *
 * <p>BoringSSL's engines are the reference-counted kind: each {@code SslHandler} frees its engine's native state
 * when it leaves its pipeline (the channel closed), instead of a finalizer per engine doing it after a garbage
 * collection, work that showed in the CPU of every intercepted connection. The contexts live as long as the proxy.
 *
 * @param fallbackReason why the native engine is not used, or null when it is
 */
record TlsEngine(SslProvider provider, String fallbackReason) {

    /** BoringSSL when netty-tcnative loads, else the JDK with Netty's reason. */
    static TlsEngine detect() {
        if (OpenSsl.isAvailable()) {
            return new TlsEngine(SslProvider.OPENSSL_REFCNT, null);
        }
        Throwable cause = OpenSsl.unavailabilityCause();
        return jdk(cause == null ? "unknown" : String.valueOf(cause.getMessage()));
    }

    static TlsEngine jdk(String reason) {
        return new TlsEngine(SslProvider.JDK, reason);
    }

    /** The name the start log uses. */
    String label() {
        return provider == SslProvider.OPENSSL_REFCNT ? "boringssl" : "jdk";
    }
}
