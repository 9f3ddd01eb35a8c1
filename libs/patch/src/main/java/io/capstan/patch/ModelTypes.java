package io.capstan.patch;

import io.capstan.api.json.KubeJson;
import io.capstan.api.schema.FieldMeta;
import io.capstan.api.schema.PatchMeta;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import io.fabric8.kubernetes.api.model.ObjectMeta;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Walks the fabric8 model classes by JSON field name, so the patch engines know which class owns
 * a nested field and can ask {@link PatchMeta} how it merges. A {@code null} type means "unknown":
 * objects then merge key by key and lists are atomic, which is how Kubernetes treats schemaless data.
 */
final class ModelTypes {
    /** Stands in for a custom resource: only {@code metadata} is known, and it is an ObjectMeta. */
    static final class Untyped {
        @JsonProperty("metadata")
        public ObjectMeta metadata;
    }

    private static final Map<Class<?>, Map<String, JavaType>> PROPERTIES = new ConcurrentHashMap<>();

    private ModelTypes() {
    }

    static JavaType root(Class<?> modelClass) {
        return KubeJson.MAPPER.getTypeFactory().constructType(modelClass == null ? Untyped.class : modelClass);
    }

    /**
     * What the comparison needs about {@code owner.name}: its type ({@link #field}), its patch
     * metadata ({@link #meta}) and whether it is a member of its own (not a declared struct field,
     * or a map), cached per bean class.
     */
    record Property(JavaType type, FieldMeta meta, boolean member) {
    }

    private static final Property UNKNOWN = new Property(null, null, true);
    private static final Map<JavaType, Map<String, Property>> BEAN_PROPERTIES = new ConcurrentHashMap<>();

    static Property property(JavaType owner, String name) {
        if (!isBean(owner)) {
            if (owner != null && owner.isMapLikeType()) {
                JavaType content = known(owner.getContentType());
                return new Property(content, null, true);
            }
            return UNKNOWN;
        }
        Map<String, Property> byName = BEAN_PROPERTIES.computeIfAbsent(owner, o -> new ConcurrentHashMap<>());
        Property p = byName.get(name);
        if (p == null) {
            JavaType child = field(owner, name);
            p = new Property(child, meta(owner, name), !isDeclaredField(owner, name) || isMap(child));
            if (byName.size() < 512) {
                byName.put(name, p);
            }
        }
        return p;
    }

    /** The type of {@code owner.name}: a bean property, or the value type of a map. */
    static JavaType field(JavaType owner, String name) {
        if (owner == null) {
            return null;
        }
        if (owner.isMapLikeType()) {
            return known(owner.getContentType());
        }
        if (!isBean(owner)) {
            return null;
        }
        return known(properties(owner.getRawClass()).get(name));
    }

    static JavaType element(JavaType list) {
        if (list == null || !(list.isCollectionLikeType() || list.isArrayType())) {
            return null;
        }
        return known(list.getContentType());
    }

    static FieldMeta meta(JavaType owner, String name) {
        return isBean(owner) ? PatchMeta.of(owner.getRawClass(), name).orElse(null) : null;
    }

    /** A struct with declared fields, as opposed to a map or an unknown type. */
    static boolean isBean(JavaType t) {
        if (t == null || t.isContainerType() || t.isPrimitive() || t.isEnumType()) {
            return false;
        }
        Class<?> raw = t.getRawClass();
        return raw == Untyped.class || raw.getName().startsWith("io.fabric8.");
    }

    static boolean isMap(JavaType t) {
        return t != null && t.isMapLikeType();
    }

    /** Whether {@code owner.name} is a declared struct field (true) or a map entry / unknown (false). */
    static boolean isDeclaredField(JavaType owner, String name) {
        return isBean(owner) && properties(owner.getRawClass()).containsKey(name);
    }

    private static JavaType known(JavaType t) {
        return t == null || t.getRawClass() == Object.class ? null : t;
    }

    private static Map<String, JavaType> properties(Class<?> type) {
        return PROPERTIES.computeIfAbsent(type, c -> {
            BeanDescription desc = KubeJson.MAPPER.getSerializationConfig()
                    .introspect(KubeJson.MAPPER.getTypeFactory().constructType(c));
            Map<String, JavaType> props = new HashMap<>();
            for (BeanPropertyDefinition p : desc.findProperties()) {
                props.put(p.getName(), p.getPrimaryType());
            }
            return Map.copyOf(props);
        });
    }
}
