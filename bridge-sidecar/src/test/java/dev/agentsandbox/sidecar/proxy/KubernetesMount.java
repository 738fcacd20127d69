package dev.agentsandbox.sidecar.proxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Lays out files the way the kubelet mounts a ConfigMap or Secret volume, and updates them the way it does:
 * {@code key -> ..data/key}, {@code ..data -> ..<timestamp>}, an update writes a new timestamped directory and
 * atomically renames a new {@code ..data} symlink over the old one. The file itself is never written.
 */
final class KubernetesMount {

    private static final AtomicInteger GENERATION = new AtomicInteger();

    private KubernetesMount() {
    }

    /** Creates the mount with one key; returns the path of the key (the symlink the program reads). */
    static Path create(Path mountDir, String key, String content) throws IOException {
        Files.createDirectories(mountDir);
        update(mountDir, key, content);
        Path file = mountDir.resolve(key);
        Files.createSymbolicLink(file, Path.of("..data").resolve(key));
        return file;
    }

    /** Replaces the content by swapping {@code ..data} to a new generation directory. */
    static void update(Path mountDir, String key, String content) throws IOException {
        String generation = "..2026_11_23_" + GENERATION.incrementAndGet();
        Path generationDir = mountDir.resolve(generation);
        Files.createDirectories(generationDir);
        Files.writeString(generationDir.resolve(key), content, StandardCharsets.UTF_8);
        Path tempLink = mountDir.resolve("..data_tmp");
        Files.deleteIfExists(tempLink);
        Files.createSymbolicLink(tempLink, Path.of(generation));
        Files.move(tempLink, mountDir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }
}
