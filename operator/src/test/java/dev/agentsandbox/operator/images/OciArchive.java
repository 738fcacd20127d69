package dev.agentsandbox.operator.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OCI image archive read the way a runtime reads it: index.json, its one manifest, the config, and the entries of
 * every layer (listed with GNU tar, which reads the gzip layers Jib and umoci write), the last layer winning.
 */
final class OciArchive {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** {@code tar -tv}: "-rw-r--r-- 0/0 123 2026-12-01 05:00 ./path[ -> target]". */
    private static final Pattern ENTRY = Pattern.compile(
            "^([-dlhcbps])([rwxsStT-]{9})\\s+(\\d+)/(\\d+)\\s+\\d+\\s+\\S+\\s+\\S+\\s+(.+?)(?: -> (.+))?$");

    /** One file of the image's root filesystem. */
    record Entry(char type, String mode, int uid, int gid, String linkTarget) {

        /** Readable (and, for a directory, searchable) by a user that is neither its owner nor in its group. */
        boolean readableByOthers() {
            return mode.charAt(6) == 'r' && (type != 'd' || mode.charAt(8) == 'x' || mode.charAt(8) == 't');
        }
    }

    /** The archive unpacked: an OCI image layout. */
    final Path layout;
    final String refName;
    final JsonNode manifest;
    final JsonNode config;
    final Map<String, Entry> files;

    private OciArchive(Path layout, String refName, JsonNode manifest, JsonNode config, Map<String, Entry> files) {
        this.layout = layout;
        this.refName = refName;
        this.manifest = manifest;
        this.config = config;
        this.files = files;
    }

    static OciArchive read(Path archive, Path workDir) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(workDir, archive.getFileName().toString());
        Commands.run(List.of("tar", "-xf", archive.toString(), "-C", dir.toString()));
        JsonNode index = JSON.readTree(dir.resolve("index.json").toFile());
        if (!index.path("manifests").isArray() || index.path("manifests").size() != 1) {
            throw new AssertionError(archive + ": index.json must list exactly one manifest: " + index);
        }
        JsonNode descriptor = index.path("manifests").get(0);
        JsonNode manifest = JSON.readTree(blob(dir, descriptor).toFile());
        JsonNode config = JSON.readTree(blob(dir, manifest.path("config")).toFile());
        Map<String, Entry> files = new LinkedHashMap<>();
        for (JsonNode layer : manifest.path("layers")) {
            for (String line : Commands.run(List.of("tar", "-tvf", blob(dir, layer).toString()))
                    .split("\n")) {
                Matcher m = ENTRY.matcher(line);
                if (m.matches()) {
                    String path = "/" + m.group(5).replaceFirst("^\\./", "").replaceFirst("/$", "");
                    files.put(path, new Entry(m.group(1).charAt(0), m.group(2), Integer.parseInt(m.group(3)),
                            Integer.parseInt(m.group(4)), m.group(6)));
                }
            }
        }
        String refName = descriptor.path("annotations").path("org.opencontainers.image.ref.name").asText("");
        return new OciArchive(dir, refName, manifest, config, files);
    }

    private static Path blob(Path dir, JsonNode descriptor) {
        String[] digest = descriptor.path("digest").asText().split(":", 2);
        return dir.resolve("blobs").resolve(digest[0]).resolve(digest[1]);
    }

    List<String> entrypoint() {
        return strings(config.path("config").path("Entrypoint"));
    }

    List<String> cmd() {
        return strings(config.path("config").path("Cmd"));
    }

    List<String> env() {
        return strings(config.path("config").path("Env"));
    }

    String user() {
        return config.path("config").path("User").asText("");
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }
}
