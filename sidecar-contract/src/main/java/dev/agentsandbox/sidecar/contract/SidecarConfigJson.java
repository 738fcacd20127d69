package dev.agentsandbox.sidecar.contract;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads and writes the sidecar configuration files. The only place that knows their encoding.
 *
 * <p>Reading is strict: an unknown field is an error, because a misspelt policy field silently ignored would
 * weaken the sandbox. Writing is deterministic (sorted keys, pretty-printed), so an unchanged policy renders
 * to the same bytes and the operator does not rewrite the ConfigMap.
 */
public final class SidecarConfigJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private SidecarConfigJson() {
    }

    public static String write(ProxyConfig config) {
        return writeValue(config);
    }

    public static String write(BridgeConfig config) {
        return writeValue(config);
    }

    public static ProxyConfig readProxy(String json) {
        return readValue(json, ProxyConfig.class);
    }

    public static BridgeConfig readBridge(String json) {
        return readValue(json, BridgeConfig.class);
    }

    public static ProxyConfig readProxy(Path file) {
        return readProxy(readFile(file));
    }

    public static BridgeConfig readBridge(Path file) {
        return readBridge(readFile(file));
    }

    private static String writeValue(Object value) {
        try {
            return MAPPER.writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + value.getClass().getSimpleName(), e);
        }
    }

    private static <T> T readValue(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            // The location and field name help; the original message may quote the input, which is policy, not secret.
            throw new InvalidConfigException(type.getSimpleName() + " is invalid: " + e.getOriginalMessage()
                    + locationOf(e), e);
        }
    }

    private static String locationOf(JsonProcessingException e) {
        return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                + e.getLocation().getColumnNr() + ")";
    }

    private static String readFile(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** A configuration file that does not parse or breaks a rule of the format. */
    public static final class InvalidConfigException extends RuntimeException {
        public InvalidConfigException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
