package dev.agentsandbox.sidecar.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class FileWatcherTest {

    @Test
    void seesTheKubeletSymlinkSwapThoughTheFileItselfIsNeverWritten(@TempDir Path mount) throws Exception {
        Files.createDirectories(mount.resolve("..v1"));
        Files.writeString(mount.resolve("..v1/key"), "one");
        Files.createSymbolicLink(mount.resolve("..data"), Path.of("..v1"));
        Path file = mount.resolve("key");
        Files.createSymbolicLink(file, Path.of("..data/key"));
        LinkedBlockingQueue<String> seen = new LinkedBlockingQueue<>();
        // A long poll interval: only the directory event can deliver the change within the hang guard below.
        try (FileWatcher watcher = new FileWatcher(Duration.ofMinutes(10), e -> { })) {
            watcher.watch(file, Files.readAllBytes(file), bytes -> seen.add(new String(bytes, StandardCharsets.UTF_8)));

            Files.createDirectories(mount.resolve("..v2"));
            Files.writeString(mount.resolve("..v2/key"), "two");
            Files.createSymbolicLink(mount.resolve("..data_tmp"), Path.of("..v2"));
            Files.move(mount.resolve("..data_tmp"), mount.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);

            assertThat(seen.poll(60, TimeUnit.SECONDS)).isEqualTo("two");
        }
    }

    @Test
    void unchangedContentCausesNoCallbackAndAPlainRewriteDoes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("config.json");
        Files.writeString(file, "same");
        LinkedBlockingQueue<String> seen = new LinkedBlockingQueue<>();
        try (FileWatcher watcher = new FileWatcher(Duration.ofMinutes(10), e -> { })) {
            watcher.watch(file, "same".getBytes(StandardCharsets.UTF_8),
                    bytes -> seen.add(new String(bytes, StandardCharsets.UTF_8)));
            Files.writeString(file, "same");
            Files.writeString(file, "changed");
            // A plain rewrite truncates first: the watcher may see the empty file before the new content.
            String last;
            do {
                last = seen.poll(60, TimeUnit.SECONDS);
            } while ("".equals(last));
            assertThat(last).isEqualTo("changed");
            watcher.checkAll();
            assertThat(seen).isEmpty();
        }
    }
}
