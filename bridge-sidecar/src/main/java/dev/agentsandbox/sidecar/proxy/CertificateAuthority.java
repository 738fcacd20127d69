package dev.agentsandbox.sidecar.proxy;

import dev.agentsandbox.sidecar.contract.SidecarMounts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The interception CA: generated in memory when the proxy starts, its key never written anywhere; only the
 * certificate is exported (for the agent to trust). Leaf certificates are minted per host on first use and cached
 * with their TLS context, so a host costs one signature per proxy lifetime.
 */
final class CertificateAuthority {

    private static final String SIGNATURE = "SHA256withECDSA";
    private static final Duration CA_VALIDITY = Duration.ofDays(3650);
    private static final Duration LEAF_VALIDITY = Duration.ofDays(397);
    private static final Duration BACKDATE = Duration.ofHours(1);

    private final KeyPair caKeys;
    private final X509Certificate caCertificate;
    private final KeyPair leafKeys;
    private final SecureRandom random = new SecureRandom();
    private final SslProvider provider;
    private final Map<String, SslContext> serverContexts = new ConcurrentHashMap<>();

    private CertificateAuthority(KeyPair caKeys, X509Certificate caCertificate, KeyPair leafKeys,
            SslProvider provider) {
        this.caKeys = caKeys;
        this.caCertificate = caCertificate;
        this.leafKeys = leafKeys;
        this.provider = provider;
    }

    /** A new CA whose per-host server contexts use {@code provider}'s TLS engine. */
    static CertificateAuthority generate(SslProvider provider) {
        try {
            KeyPair caKeys = newKeyPair();
            X500Name name = new X500Name("CN=AgentSandbox egress proxy CA,O=AgentSandbox");
            Instant now = Instant.now();
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(new SecureRandom()),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(CA_VALIDITY)), name, caKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(caKeys.getPublic()));
            X509Certificate certificate = sign(builder, caKeys);
            return new CertificateAuthority(caKeys, certificate, newKeyPair(), provider);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot generate the interception CA", e);
        }
    }

    X509Certificate certificate() {
        return caCertificate;
    }

    /** Writes the CA certificate (never the key) as {@code dir/ca.crt}, atomically. */
    Path writeCertificate(Path dir) throws IOException {
        Files.createDirectories(dir);
        // The agent runs under another UID and must read the certificate: the file is world-readable and its
        // directory world-searchable (a temp file is created owner-only). Only the certificate is ever written.
        Set<PosixFilePermission> dirPermissions = new HashSet<>(Files.getPosixFilePermissions(dir));
        if (dirPermissions.addAll(Set.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_EXECUTE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_EXECUTE))) {
            Files.setPosixFilePermissions(dir, dirPermissions);
        }
        Path target = dir.resolve(SidecarMounts.CA_CERT_FILE);
        Path temp = Files.createTempFile(dir, ".ca", ".tmp");
        Files.writeString(temp, pem(caCertificate), StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    /** The server-side TLS context presenting a certificate for {@code host}, minted on first use. */
    SslContext serverContextFor(String host) {
        return serverContexts.computeIfAbsent(host, this::newServerContext);
    }

    private SslContext newServerContext(String host) {
        try {
            X509Certificate leaf = mintLeaf(host);
            return SslContextBuilder.forServer(leafKeys.getPrivate(), leaf, caCertificate).sslProvider(provider)
                    .build();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot mint a certificate for " + host, e);
        }
    }

    private X509Certificate mintLeaf(String host) throws GeneralSecurityException, IOException {
        Instant now = Instant.now();
        JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
        PublicKey leafKey = leafKeys.getPublic();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(caCertificate, serial(random),
                Date.from(now.minus(BACKDATE)), Date.from(now.plus(LEAF_VALIDITY)), new X500Name("CN=" + host),
                leafKey)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                .addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(new GeneralName(GeneralName.dNSName, host)))
                .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(leafKey))
                .addExtension(Extension.authorityKeyIdentifier, false,
                        extensions.createAuthorityKeyIdentifier(caCertificate));
        return sign(builder, caKeys);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer)
            throws GeneralSecurityException {
        try {
            ContentSigner contentSigner = new JcaContentSignerBuilder(SIGNATURE).build(signer.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static BigInteger serial(SecureRandom random) {
        return new BigInteger(127, random).add(BigInteger.ONE);
    }

    static String pem(X509Certificate certificate) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(certificate);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

}
