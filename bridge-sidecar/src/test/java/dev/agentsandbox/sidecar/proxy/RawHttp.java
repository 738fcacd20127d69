package dev.agentsandbox.sidecar.proxy;

import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Byte-level HTTP for tests that must control exactly what goes on the wire. */
final class RawHttp {

    private RawHttp() {
    }

    /** Reads until the text read ends with {@code end}; fails if the connection closes first. */
    static String readUntil(InputStream in, String end) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        while (!seen.toString(StandardCharsets.ISO_8859_1).endsWith(end)) {
            int b = in.read();
            assertThat(b).as("closed before %s; so far: %s", end, seen).isNotNegative();
            seen.write(b);
        }
        return seen.toString(StandardCharsets.ISO_8859_1);
    }

    /** Opens a CONNECT tunnel through the proxy and checks the proxy's {@code 200}. */
    static Socket tunnel(int proxyPort, String target) throws IOException {
        Socket socket = new Socket("127.0.0.1", proxyPort);
        socket.setSoTimeout(20_000);
        socket.getOutputStream().write(("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        assertThat(readUntil(socket.getInputStream(), "\r\n\r\n")).startsWith("HTTP/1.1 200");
        return socket;
    }

    /** A test CA whose certificate is written to {@code pem} (for the proxy's {@code --trust-bundle}). */
    static CertificateAuthority testCa(Path pem) throws Exception {
        CertificateAuthority ca = CertificateAuthority.generate(SslProvider.JDK);
        Files.writeString(pem, CertificateAuthority.pem(ca.certificate()));
        return ca;
    }
}
