package dev.agentsandbox.operator.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.quarkus.kubernetes.client.KubernetesClientObjectMapperCustomizer;
import jakarta.inject.Singleton;

import java.io.IOException;

/**
 * The operator's Kubernetes client gives equal string values of the objects it parses one instance
 * ({@link SharedStrings}), instead of a new one per object.
 *
 * <p>The informer caches hold every sandbox's Pod, ConfigMap, NetworkPolicy and the AgentSandbox itself, and most
 * of their strings are the same from one sandbox to the next: image names, mount paths, the policies' CIDRs,
 * protocols, condition types and reasons, field managers, the timestamps of a burst. Shared as they are parsed,
 * they are kept once. Strings are immutable, so sharing them changes nothing for whoever reads the objects. Map keys
 * (labels, annotations) are JSON field names, which the parser already shares.
 */
@Singleton
public class RepeatedStringsShared implements KubernetesClientObjectMapperCustomizer {

    /** Enough for the distinct short values of a cluster's worth of sandboxes to keep their slots. */
    static final int SLOTS = 1 << 14;

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.registerModule(new SimpleModule("repeated-strings-shared")
                .addDeserializer(String.class, new SharedStringDeserializer(new SharedStrings(SLOTS))));
    }

    /** A string value, shared; anything else (a number or boolean read as a string, null) as Jackson reads it. */
    static final class SharedStringDeserializer extends StdScalarDeserializer<String> {

        private final transient SharedStrings strings;

        SharedStringDeserializer(SharedStrings strings) {
            super(String.class);
            this.strings = strings;
        }

        @Override
        public String deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            if (!parser.hasToken(JsonToken.VALUE_STRING)) {
                return StringDeserializer.instance.deserialize(parser, context);
            }
            // A streaming parser has the characters in its buffer: a value held already costs no new string. A
            // tree's (a watch event is read as a tree first) has the string itself.
            if (parser.hasTextCharacters()) {
                return strings.share(parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength());
            }
            return strings.share(parser.getText());
        }

        @Override
        public LogicalType logicalType() {
            return LogicalType.Textual;
        }

        @Override
        public boolean isCachable() {
            return true;
        }

        @Override
        public Object getEmptyValue(DeserializationContext context) {
            return "";
        }
    }
}
