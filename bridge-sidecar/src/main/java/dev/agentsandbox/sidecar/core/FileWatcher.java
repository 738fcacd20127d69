package dev.agentsandbox.sidecar.core;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Calls back when the content of a file changes, including the way Kubernetes updates mounted ConfigMaps and
 * Secrets: the file is a symlink to {@code ..data/<key>} and the kubelet atomically swaps the {@code ..data}
 * symlink to a new timestamped directory. The file itself is never written, so watching it would miss the
 * change; this class watches the file's <em>directory</em> and, on any event there (or every poll interval, in
 * case an event was lost), re-reads each watched file through its symlinks and compares a digest of the content.
 *
 * <p>Callbacks run on the watcher thread with the new content. A file that disappears or cannot be read keeps
 * its last content: no callback until it reads again.
 */
public final class FileWatcher implements AutoCloseable {

    private final WatchService service;
    private final Duration pollInterval;
    private final Map<Path, Watched> files = new ConcurrentHashMap<>();
    private final Set<Path> directories = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private final Consumer<Throwable> errors;

    /**
     * @param pollInterval how often every file is re-checked even without an event
     * @param errors       receives a callback's exception (the watcher keeps running)
     */
    public FileWatcher(Duration pollInterval, Consumer<Throwable> errors) throws IOException {
        this.service = FileSystems.getDefault().newWatchService();
        this.pollInterval = pollInterval;
        this.errors = errors;
        this.thread = new Thread(this::run, "file-watcher");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Watches {@code file}; {@code onChange} is called with the new bytes whenever they differ from the last
     * content seen, starting from {@code currentContent} (what the caller has already read and applied).
     *
     * @return closes this watch (the callback is not called again)
     */
    public AutoCloseable watch(Path file, byte[] currentContent, Consumer<byte[]> onChange) throws IOException {
        Path absolute = file.toAbsolutePath().normalize();
        Path directory = absolute.getParent();
        if (directories.add(directory)) {
            directory.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                    StandardWatchEventKinds.ENTRY_MODIFY);
        }
        Watched watched = new Watched(absolute, digest(currentContent), onChange);
        files.put(absolute, watched);
        return () -> files.remove(absolute, watched);
    }

    /** Re-checks every watched file now (normally done by the watcher thread). */
    public void checkAll() {
        for (Watched watched : files.values()) {
            watched.check();
        }
    }

    @Override
    public void close() throws IOException {
        thread.interrupt();
        service.close();
    }

    private void run() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                WatchKey key = service.poll(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                    // The kubelet's swap is several renames; let them land before reading.
                    Thread.sleep(20);
                    WatchKey more;
                    while ((more = service.poll()) != null) {
                        more.pollEvents();
                        more.reset();
                    }
                }
                checkAll();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            } catch (RuntimeException e) {
                errors.accept(e);
            }
        }
    }

    private static byte[] digest(byte[] content) {
        if (content == null) {
            return null;
        }
        try {
            return MessageDigest.getInstance("SHA-256").digest(content);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private final class Watched {
        private final Path file;
        private final Consumer<byte[]> onChange;
        private byte[] lastDigest;

        Watched(Path file, byte[] lastDigest, Consumer<byte[]> onChange) {
            this.file = file;
            this.lastDigest = lastDigest;
            this.onChange = onChange;
        }

        synchronized void check() {
            byte[] content;
            try {
                content = Files.readAllBytes(file);
            } catch (IOException e) {
                return;
            }
            byte[] now = digest(content);
            if (Arrays.equals(now, lastDigest)) {
                return;
            }
            lastDigest = now;
            try {
                onChange.accept(content);
            } catch (RuntimeException e) {
                errors.accept(e);
            }
        }
    }
}
