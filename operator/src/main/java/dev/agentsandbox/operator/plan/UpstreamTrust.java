package dev.agentsandbox.operator.plan;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The platform's extra trust for intercepted upstreams (a private corporate CA in front of an internal API): PEM
 * certificates the operator reads once at start and writes into every sandbox's sidecar ConfigMap, which the
 * egress proxy trusts in addition to its system store. Checked here, so a bad file stops the operator with its
 * setting named instead of starting proxies that fail every intercepted request.
 */
public final class UpstreamTrust {

    /** The operator property and the chart value that set the file, for error messages. */
    public static final String SETTING = "agentsandbox.upstream-trust-file (chart: operator.upstreamTrust)";
    /** Every sandbox's ConfigMap carries a copy: far below the API server's 1 MiB per object. */
    static final int MAX_BYTES = 256 * 1024;

    private static final Pattern PEM_CERTIFICATE = Pattern.compile(
            "-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]*?)-----END CERTIFICATE-----");
    private static final Base64.Encoder PEM_BASE64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));

    private UpstreamTrust() {
    }

    /** The file's certificates as canonical PEM (text around the blocks, such as a bundle's comments, dropped). */
    public static String read(Path file) {
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new IllegalArgumentException(SETTING + ": " + file + " is larger than " + MAX_BYTES / 1024
                        + " KiB; give only the CA certificates the sandboxes' upstreams need");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(SETTING + ": cannot read " + file + " (" + e + ")", e);
        }
        return canonical(new String(bytes, StandardCharsets.US_ASCII), file.toString());
    }

    /** {@code source} names the text in error messages. */
    static String canonical(String pem, String source) {
        Matcher blocks = PEM_CERTIFICATE.matcher(pem);
        List<String> certificates = new ArrayList<>();
        while (blocks.find()) {
            X509Certificate certificate = parse(blocks.group(1), certificates.size() + 1, source);
            try {
                certificates.add("-----BEGIN CERTIFICATE-----\n"
                        + PEM_BASE64.encodeToString(certificate.getEncoded()) + "\n-----END CERTIFICATE-----\n");
            } catch (CertificateException e) {
                throw new IllegalArgumentException(SETTING + ": certificate " + (certificates.size() + 1) + " of "
                        + source + " cannot be encoded (" + e.getMessage() + ")", e);
            }
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException(SETTING + ": " + source + " holds no PEM certificate; expected one or"
                    + " more blocks from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----");
        }
        return String.join("", certificates);
    }

    private static X509Certificate parse(String base64, int index, String source) {
        try {
            byte[] der = Base64.getMimeDecoder().decode(base64);
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (IllegalArgumentException | CertificateException e) {
            throw new IllegalArgumentException(SETTING + ": certificate " + index + " of " + source
                    + " is not a valid X.509 certificate (" + e.getMessage() + ")", e);
        }
    }
}
