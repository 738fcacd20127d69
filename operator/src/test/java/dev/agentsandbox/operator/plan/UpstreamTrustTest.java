package dev.agentsandbox.operator.plan;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UpstreamTrustTest {

    @TempDir
    Path dir;

    private static String twoCas() throws IOException {
        try (InputStream in = UpstreamTrustTest.class.getResourceAsStream("/upstream-trust/two-cas.pem")) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private Path file(String content) throws IOException {
        return Files.writeString(dir.resolve("ca.crt"), content);
    }

    @Test
    void aBundleBecomesItsCertificatesAsCanonicalPem() throws Exception {
        String pem = UpstreamTrust.read(file(twoCas()));

        assertThat(pem).doesNotContain("#").startsWith("-----BEGIN CERTIFICATE-----\n")
                .endsWith("-----END CERTIFICATE-----\n");
        var certificates = CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        assertThat(certificates).extracting(c -> ((X509Certificate) c).getSubjectX500Principal().getName())
                .containsExactly("CN=Example Corp Root CA", "CN=Example Corp Issuing CA");
        assertThat(UpstreamTrust.read(file(pem))).as("canonical: reading it again changes nothing").isEqualTo(pem);
    }

    @Test
    void windowsLineEndsAndIndentationAreAccepted() throws Exception {
        String crlf = twoCas().replace("\n", "\r\n").replace("\r\nM", "\r\n  M");

        assertThat(UpstreamTrust.read(file(crlf))).isEqualTo(UpstreamTrust.read(file(twoCas())));
    }

    @Test
    void textWithoutACertificateIsRefusedNamingTheSetting() throws Exception {
        for (String notPem : new String[] {"", "hello", "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n",
                "MIIBlTCCATugAwIBAgIUIhJnQo93SuoBSalevdGOE"}) {
            Path file = file(notPem);
            assertThatThrownBy(() -> UpstreamTrust.read(file)).as(notPem)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("agentsandbox.upstream-trust-file (chart: operator.upstreamTrust): ")
                    .hasMessageContaining("holds no PEM certificate");
        }
    }

    @Test
    void aBrokenCertificateIsRefusedNamingWhichOne() throws Exception {
        String[] blocks = twoCas().split("-----END CERTIFICATE-----", 2);
        String secondBroken = blocks[0] + "-----END CERTIFICATE-----"
                + blocks[1].replace("MIIBmzCCAUGgAwIBAgIU", "MIIBmzCCAUGgAwIBAgIV");

        assertThatThrownBy(() -> UpstreamTrust.read(file(secondBroken)))
                .hasMessageStartingWith("agentsandbox.upstream-trust-file (chart: operator.upstreamTrust): ")
                .hasMessageContaining("certificate 2 of").hasMessageContaining("is not a valid X.509 certificate");
    }

    @Test
    void aMissingOrOversizedFileIsRefusedNamingTheSetting() throws Exception {
        Path missing = dir.resolve("absent.crt");
        assertThatThrownBy(() -> UpstreamTrust.read(missing))
                .hasMessageStartingWith("agentsandbox.upstream-trust-file").hasMessageContaining("cannot read");

        Path huge = file(twoCas().repeat(UpstreamTrust.MAX_BYTES / twoCas().length() + 1));
        assertThatThrownBy(() -> UpstreamTrust.read(huge))
                .hasMessageStartingWith("agentsandbox.upstream-trust-file").hasMessageContaining("larger than");
    }
}
