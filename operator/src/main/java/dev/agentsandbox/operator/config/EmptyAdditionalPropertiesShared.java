package dev.agentsandbox.operator.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBase;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.quarkus.kubernetes.client.KubernetesClientObjectMapperCustomizer;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;

/**
 * The operator's Kubernetes client gives the Kubernetes model objects it parses one shared, empty, immutable map of
 * additional properties when the JSON had no field the model does not know (nearly always), instead of each object's
 * own empty map.
 *
 * <p>Fabric8's generated model gives every object (every container, port, volume, condition...) a map of
 * additional properties, made when the object is; the informer caches hold hundreds of thousands of them, empty.
 * Jackson fills such a map as it parses (an unknown field, or a value of a type the model did not expect): those
 * maps stay as they are, so such fields still round-trip.
 *
 * <p>Why a shared immutable map is safe: nothing adds an additional property to an object the operator's client
 * parsed. The model's builders copy the map ({@code new PodBuilder(pod)} makes a new one, so a builder started from
 * a cached object can add properties); equality and hashing are the {@link Map}s' (an empty map equals any other
 * empty map, so a parsed object still equals one built to the same fields); serialization only reads it. The
 * generic {@link GenericKubernetesResource}, whose additional properties are its content and which callers do set,
 * keeps its own map. Fabric8's own writes to a {@code Status}'s additional properties are to one it built.
 */
@Singleton
public class EmptyAdditionalPropertiesShared implements KubernetesClientObjectMapperCustomizer {

    private static final String MODEL_PACKAGE = "io.fabric8.kubernetes.api.model";

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.registerModule(new SimpleModule("empty-additional-properties-shared")
                .setDeserializerModifier(new BeanDeserializerModifier() {
                    @Override
                    public JsonDeserializer<?> modifyDeserializer(DeserializationConfig config,
                                                                  BeanDescription description,
                                                                  JsonDeserializer<?> deserializer) {
                        if (!(deserializer instanceof BeanDeserializerBase)) {
                            return deserializer;
                        }
                        return AdditionalProperties.of(description.getBeanClass())
                                .<JsonDeserializer<?>>map(p -> new Sharing(deserializer, p))
                                .orElse(deserializer);
                    }
                }));
    }

    /** The additional properties' getter and setter of a model class. */
    record AdditionalProperties(MethodHandle getter, MethodHandle setter) {

        /** Those of a Kubernetes model class of Fabric8's that has them, except the generic resource. */
        static Optional<AdditionalProperties> of(Class<?> type) {
            if (!KubernetesResource.class.isAssignableFrom(type)
                    || GenericKubernetesResource.class.isAssignableFrom(type)
                    || !type.getPackageName().startsWith(MODEL_PACKAGE)) {
                return Optional.empty();
            }
            try {
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                return Optional.of(new AdditionalProperties(
                        lookup.findVirtual(type, "getAdditionalProperties", MethodType.methodType(Map.class)),
                        lookup.findVirtual(type, "setAdditionalProperties",
                                MethodType.methodType(void.class, Map.class))));
            } catch (NoSuchMethodException | IllegalAccessException e) {
                return Optional.empty();
            }
        }

        /** The shared empty map in place of the object's own, when that is empty. */
        void shareIfEmpty(Object parsed) {
            try {
                Map<?, ?> own = (Map<?, ?>) getter.invoke(parsed);
                if (own != null && own.isEmpty() && own != Collections.emptyMap()) {
                    setter.invoke(parsed, Collections.emptyMap());
                }
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The model's own deserializer, and the shared map afterwards. */
    private static final class Sharing extends DelegatingDeserializer {

        private final transient AdditionalProperties properties;

        Sharing(JsonDeserializer<?> delegate, AdditionalProperties properties) {
            super(delegate);
            this.properties = properties;
        }

        @Override
        protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> delegate) {
            return new Sharing(delegate, properties);
        }

        @Override
        public Object deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            Object parsed = super.deserialize(parser, context);
            if (parsed != null) {
                properties.shareIfEmpty(parsed);
            }
            return parsed;
        }
    }
}
