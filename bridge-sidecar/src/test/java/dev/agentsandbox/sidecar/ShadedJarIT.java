package dev.agentsandbox.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/** What the sidecar image relies on in the shaded jar (built in the package phase, before the integration tests). */
class ShadedJarIT {

    private static final Path JAR = Path.of(System.getProperty("sidecar.jar", "target/agentsandbox-sidecar.jar"));

    @Test
    void listsNoSecurityProviderServices() throws Exception {
        // The image's jlinked runtime lacks providers that java.security names; looking one up makes the JDK
        // instantiate every provider service on the class path. BouncyCastle's set up hundreds of algorithms (about
        // 9 MiB and a third of the proxy's start), and the sidecar never installs them.
        try (JarFile jar = new JarFile(JAR.toFile())) {
            assertThat(jar.getEntry("META-INF/services/java.security.Provider")).isNull();
        }
    }

    @Test
    void carriesTheBoringSslLibraryThatTheImageTakesOut() throws Exception {
        // hack/sidecar-image-files.sh copies it to the directory the image's java.library.path names.
        try (JarFile jar = new JarFile(JAR.toFile())) {
            assertThat(jar.getEntry("META-INF/native/libnetty_tcnative_linux_x86_64.so")).isNotNull();
        }
    }
}
