package dev.agentsandbox.sidecar.proxy;

import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The agent container runs under another UID than the proxy: it must be able to read the interception CA's
 * certificate, and find nothing else next to it.
 */
class CaFileTest {

    @Test
    void theCertificateAndItsDirectoryAreReadableByOtherUsersAndTheKeyIsNeverWritten(@TempDir Path dir)
            throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path caDir = Files.createDirectory(dir.resolve("ca"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Path written = CertificateAuthority.generate(SslProvider.JDK).writeCertificate(caDir);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(written))).isEqualTo("rw-r--r--");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(caDir))).isEqualTo("rwxr-xr-x");
        try (var files = Files.list(caDir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("ca.crt");
        }
        assertThat(Files.readString(written)).doesNotContain("PRIVATE KEY");
    }

    /** What the pod does: a process under another UID (as the agent is) reads the file the proxy wrote. */
    @Test
    void aProcessUnderAnotherUidReadsTheCertificate(@TempDir Path dir) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to switch UID");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv (util-linux)");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path written = CertificateAuthority.generate(SslProvider.JDK).writeCertificate(dir.resolve("ca"));

        Process agent = new ProcessBuilder("/usr/bin/setpriv", "--reuid", "65534", "--regid", "65534",
                "--clear-groups", "cat", written.toString()).redirectErrorStream(true).start();
        String out = new String(agent.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(agent.exitValue()).as(out).isZero();
        assertThat(out).startsWith("-----BEGIN CERTIFICATE-----");
    }
}
