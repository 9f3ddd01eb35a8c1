package io.capstan.kubeproto;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.SerializationConfig;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import io.capstan.api.json.KubeJson;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Version;
import io.kubernetes.client.proto.IntStr;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.Resource;
import io.kubernetes.client.proto.Runtime;
import io.kubernetes.client.proto.V1;
import io.kubernetes.client.proto.V1Admissionregistration;
import io.kubernetes.client.proto.V1Apps;
import io.kubernetes.client.proto.V1Authentication;
import io.kubernetes.client.proto.V1Authorization;
import io.kubernetes.client.proto.V1Autoscaling;
import io.kubernetes.client.proto.V1Batch;
import io.kubernetes.client.proto.V1Certificates;
import io.kubernetes.client.proto.V1Networking;
import io.kubernetes.client.proto.V1Policy;
import io.kubernetes.client.proto.V1Rbac;
import io.kubernetes.client.proto.V1Scheduling;
import io.kubernetes.client.proto.V1Storage;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The Kubernetes wire schema: the protobuf descriptors shipped in {@code io.kubernetes:client-java-proto}
 * joined with the JSON shape of the fabric8 model classes.
 *
 * <p>Protobuf says which field number holds what; it does not say how Go writes the object as JSON.
 * The fabric8 classes do (they mirror Go's JSON tags), so every message is read together with the
 * fabric8 class that stands for it in that place: the kind's class at the root, then the Jackson
 * property type of each field. A proto field is written under the fabric8 property of the same
 * name (ignoring case, for Go's {@code uID}); a message field that is no property but whose own
 * fields are is a Go {@code json:",inline"} struct and is lifted into its parent. Only the stable
 * ({@code vN}) group-versions are served, and only kinds whose whole message tree maps onto fabric8
 * classes. Immutable after loading and safe to share between threads.
 */
final class WireSchema {
    static final String META = "k8s.io.apimachinery.pkg.apis.meta.v1";
    private static final String API = "k8s.io.api.";
    private static final String FABRIC8 = "io.fabric8.kubernetes.api.model";
    private static final Pattern STABLE = Pattern.compile("v\\d+");
    /** Kinds that apimachinery registers into every group-version besides the group's own kinds. */
    private static final Set<String> META_KINDS = Set.of("DeleteOptions", "CreateOptions", "UpdateOptions",
            "PatchOptions", "GetOptions", "ListOptions", "Status");
    /**
     * Go writes non-pointer fields even when zero, so a zero scalar on the wire usually means
     * "unset" and is left out (omitempty). These are the JSON names of the optional fields Kubernetes
     * declares as pointers because zero means something there (replicas 0, runAsUser 0, optional
     * false, storageClassName ""): a zero on the wire is kept for them. Keeping a zero of a
     * non-pointer field with the same name is harmless, Go reads both the same.
     */
    private static final Set<String> ZERO_IS_A_VALUE = Set.of(
            "replicas", "minReplicas", "parallelism", "completions", "backoffLimit", "backoffLimitPerIndex",
            "maxFailedIndexes", "revisionHistoryLimit", "progressDeadlineSeconds", "activeDeadlineSeconds",
            "ttlSecondsAfterFinished", "startingDeadlineSeconds", "successfulJobsHistoryLimit",
            "failedJobsHistoryLimit", "terminationGracePeriodSeconds", "deletionGracePeriodSeconds",
            "gracePeriodSeconds", "tolerationSeconds", "expirationSeconds", "runAsUser", "runAsGroup", "fsGroup",
            "defaultMode", "mode", "partition", "priority", "collisionCount", "timeoutSeconds",
            "targetCPUUtilizationPercentage", "currentCPUUtilizationPercentage", "endPort",
            "automountServiceAccountToken", "optional", "readOnly", "allowPrivilegeEscalation", "privileged",
            "readOnlyRootFilesystem", "runAsNonRoot", "suspend", "immutable", "allowVolumeExpansion",
            "controller", "blockOwnerDeletion", "enableServiceLinks", "shareProcessNamespace", "hostUsers",
            "setHostnameAsFQDN", "manualSelector", "attachRequired", "podInfoOnMount", "requiresRepublish",
            "storageCapacity", "seLinuxMount", "allocateLoadBalancerNodePorts", "storageClassName");

    static final WireSchema INSTANCE = load();

    /** How a message is written in JSON; everything but STRUCT has a hand-written Go MarshalJSON. */
    enum Shape {
        STRUCT, TIME, MICRO_TIME, QUANTITY, INT_OR_STRING, RAW_JSON, LIST
    }

    /**
     * One proto field and its JSON. {@code inline} fields have no JSON name: their message's fields
     * appear in the parent object, as Go's {@code json:",inline"} does. {@code model} is the fabric8
     * class of the field's message (of its items for lists and maps), null for scalars.
     */
    record Field(FieldDescriptor proto, String json, boolean inline, boolean zeroIsAValue, Class<?> model) {
    }

    /**
     * A message as found under one fabric8 class, with its fields in declaration order.
     * {@code unmapped} names the proto fields the fabric8 class has no property for.
     */
    record MessageSpec(Descriptor descriptor, Class<?> model, Shape shape, List<Field> fields, List<String> unmapped) {
    }

    /** A kind: its message and the fabric8 class that gives its JSON. */
    record Kind(Descriptor descriptor, Class<?> model) {
    }

    private record Key(Descriptor descriptor, Class<?> model) {
    }

    private final Map<String, Descriptor> messages;
    /** apiVersion -> kind -> message; kinds whose tree does not map onto fabric8 are left out. */
    private final Map<String, Map<String, Kind>> kinds;
    private final Map<String, Kind> metaKinds;
    /** Kinds of stable group-versions left out because their tree does not map onto fabric8. */
    private final Map<String, Kind> unmappable;
    private final Set<Descriptor> kindMessages;
    private final Map<Key, MessageSpec> specs = new ConcurrentHashMap<>();

    private WireSchema(Map<String, Descriptor> messages) {
        this.messages = messages;
        Map<String, Map<String, Kind>> byVersion = new HashMap<>();
        Map<String, Kind> meta = new HashMap<>();
        Map<String, Kind> left = new HashMap<>();
        Set<Descriptor> kindDescriptors = new HashSet<>();
        for (Descriptor d : messages.values()) {
            Class<?> model = rootModel(d);
            if (model == null || !isKindModel(model)) {
                continue;
            }
            String apiVersion = apiVersionOf(d.getFile().getPackage(), model);
            kindDescriptors.add(d);
            Kind kind = new Kind(d, model);
            if (d.getFile().getPackage().equals(META)) {
                if (META_KINDS.contains(d.getName())) {
                    meta.put(d.getName(), kind);
                }
            } else if (apiVersion != null && mapsFully(kind)) {
                byVersion.computeIfAbsent(apiVersion, k -> new HashMap<>()).put(d.getName(), kind);
            } else if (apiVersion != null) {
                left.put(apiVersion + " " + d.getName(), kind);
            }
        }
        Map<String, Map<String, Kind>> frozen = new HashMap<>();
        byVersion.forEach((k, v) -> frozen.put(k, Map.copyOf(v)));
        this.kinds = Map.copyOf(frozen);
        this.metaKinds = Map.copyOf(meta);
        this.unmappable = Map.copyOf(left);
        this.kindMessages = Set.copyOf(kindDescriptors);
    }

    /** The kind served at apiVersion ("v1", "apps/v1"), or null when protobuf cannot carry it. */
    Kind kind(String apiVersion, String kind) {
        Kind k = kinds.getOrDefault(apiVersion, Map.of()).get(kind);
        if (k == null && kinds.containsKey(apiVersion)) {
            k = metaKinds.get(kind);
        }
        return k;
    }

    /** apiVersion -> kinds served, for tests and diagnostics. */
    Map<String, Set<String>> servedKinds() {
        Map<String, Set<String>> out = new HashMap<>();
        kinds.forEach((gv, ks) -> out.put(gv, Set.copyOf(ks.keySet())));
        return out;
    }

    /** "apiVersion Kind" of the stable kinds not served, with what does not map, for tests. */
    Map<String, Set<String>> unmappableKinds() {
        Map<String, Set<String>> out = new HashMap<>();
        unmappable.forEach((k, v) -> out.put(k, unmappedIn(v)));
        return out;
    }

    Descriptor message(String fullName) {
        return messages.get(fullName);
    }

    /** Whether Go embeds TypeMeta in the message, i.e. it is a kind (possibly nested in another). */
    boolean isKind(Descriptor d) {
        return kindMessages.contains(d);
    }

    MessageSpec spec(Descriptor d, Class<?> model) {
        Key key = new Key(d, model);
        MessageSpec spec = specs.get(key);
        if (spec == null) {
            spec = buildSpec(d, model);
            specs.putIfAbsent(key, spec);
        }
        return spec;
    }

    /**
     * Whether every struct in the kind's message tree has a fabric8 class and every proto field a
     * JSON name; otherwise decoding it would have to guess names.
     */
    boolean mapsFully(Kind kind) {
        return unmappedIn(kind).isEmpty();
    }

    /** What keeps a kind from mapping fully: "Message.field" or "Message (no fabric8 class)". */
    Set<String> unmappedIn(Kind kind) {
        Set<String> out = new java.util.TreeSet<>();
        Deque<MessageSpec> todo = new ArrayDeque<>();
        Set<Key> seen = new HashSet<>();
        todo.add(spec(kind.descriptor(), kind.model()));
        while (!todo.isEmpty()) {
            MessageSpec s = todo.pop();
            if (!seen.add(new Key(s.descriptor(), s.model()))) {
                continue;
            }
            if (s.shape() == Shape.STRUCT && s.model() == null) {
                out.add(s.descriptor().getFullName() + " (no fabric8 class)");
            } else if (s.shape() == Shape.STRUCT) {
                s.unmapped().forEach(f -> out.add(s.descriptor().getFullName() + "." + f + " in " + s.model().getName()));
            }
            for (Field f : s.fields()) {
                FieldDescriptor fd = f.proto();
                if (fd.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                    continue;
                }
                FieldDescriptor holder = fd.isMapField() ? fd.getMessageType().findFieldByName("value") : fd;
                if (holder.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                    todo.add(spec(holder.getMessageType(), f.model()));
                }
            }
        }
        return out;
    }

    private MessageSpec buildSpec(Descriptor d, Class<?> model) {
        Shape shape = shapeOf(d, model);
        if (shape != Shape.STRUCT) {
            return new MessageSpec(d, model, shape, List.of(), List.of());
        }
        Map<String, BeanPropertyDefinition> props = properties(model);
        if (props == null) {
            List<Field> fields = new ArrayList<>();
            for (FieldDescriptor f : d.getFields()) {
                fields.add(new Field(f, f.getName(), false, ZERO_IS_A_VALUE.contains(f.getName()), null));
            }
            return new MessageSpec(d, null, shape, List.copyOf(fields), List.of());
        }
        List<Field> fields = new ArrayList<>();
        List<String> unmapped = new ArrayList<>();
        for (FieldDescriptor f : d.getFields()) {
            BeanPropertyDefinition p = property(props, f.getName());
            if (p != null) {
                fields.add(new Field(f, p.getName(), false, ZERO_IS_A_VALUE.contains(p.getName()),
                        f.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? elementClass(p.getPrimaryType()) : null));
            } else if (isInline(f, props)) {
                fields.add(new Field(f, null, true, false, model));
            } else {
                fields.add(new Field(f, f.getName(), false, ZERO_IS_A_VALUE.contains(f.getName()), null));
                unmapped.add(f.getName());
            }
        }
        return new MessageSpec(d, model, shape, List.copyOf(fields), List.copyOf(unmapped));
    }

    /** An embedded Go struct: not a property itself, but at least half its fields are (recursively). */
    private boolean isInline(FieldDescriptor f, Map<String, BeanPropertyDefinition> props) {
        if (f.isRepeated() || f.getJavaType() != FieldDescriptor.JavaType.MESSAGE
                || shapeOf(f.getMessageType(), null) != Shape.STRUCT || f.getMessageType().getFields().isEmpty()) {
            return false;
        }
        List<FieldDescriptor> inner = f.getMessageType().getFields();
        int found = 0;
        for (FieldDescriptor g : inner) {
            if (property(props, g.getName()) != null || isInline(g, props)) {
                found++;
            }
        }
        return found > 0 && 2 * found >= inner.size();
    }

    private static BeanPropertyDefinition property(Map<String, BeanPropertyDefinition> props, String protoName) {
        BeanPropertyDefinition p = props.get(protoName);
        return p != null ? p : props.get(protoName.toLowerCase(Locale.ROOT));
    }

    /** JSON properties of a fabric8 class keyed by name and by lower-cased name; null for non-models. */
    private static Map<String, BeanPropertyDefinition> properties(Class<?> model) {
        if (model == null || !model.getName().startsWith("io.fabric8.") || model.isInterface()) {
            return null;
        }
        SerializationConfig config = KubeJson.MAPPER.getSerializationConfig();
        BeanDescription bean = config.introspect(config.constructType(model));
        Map<String, BeanPropertyDefinition> props = new LinkedHashMap<>();
        for (BeanPropertyDefinition p : bean.findProperties()) {
            if (p.couldSerialize()) {
                props.put(p.getName(), p);
            }
        }
        for (BeanPropertyDefinition p : List.copyOf(props.values())) {
            props.putIfAbsent(p.getName().toLowerCase(Locale.ROOT), p);
        }
        return props;
    }

    private static Class<?> elementClass(JavaType type) {
        while (type.isContainerType()) {
            type = type.getContentType();
        }
        return type.getRawClass();
    }

    /**
     * The shape of a message found where fabric8 has {@code model}. A message holding only a
     * repeated {@code items} where fabric8 has no class but a plain list is a Go named slice type
     * (ExtraValue) and is written as that list.
     */
    private static Shape shapeOf(Descriptor d, Class<?> model) {
        String name = d.getFullName();
        List<FieldDescriptor> fields = d.getFields();
        if (fields.size() == 1 && fields.get(0).getName().equals("items") && fields.get(0).isRepeated()
                && properties(model) == null) {
            return Shape.LIST;
        }
        return switch (name) {
            case META + ".Time" -> Shape.TIME;
            case META + ".MicroTime" -> Shape.MICRO_TIME;
            case META + ".FieldsV1", "k8s.io.apimachinery.pkg.runtime.RawExtension" -> Shape.RAW_JSON;
            case "k8s.io.apimachinery.pkg.api.resource.Quantity" -> Shape.QUANTITY;
            case "k8s.io.apimachinery.pkg.util.intstr.IntOrString" -> Shape.INT_OR_STRING;
            default -> Shape.STRUCT;
        };
    }

    /**
     * The apiVersion a kind message is served at: its proto package names the group's first label
     * and the version ({@code k8s.io.api.core.v1} -> "v1", {@code k8s.io.api.apps.v1} -> "apps/v1",
     * {@code k8s.io.api.rbac.v1} -> "rbac.authorization.k8s.io/v1"); fabric8's @Group of the kind
     * completes the group name. Null for unstable versions and when package and class disagree.
     */
    private static String apiVersionOf(String protoPackage, Class<?> model) {
        if (!protoPackage.startsWith(API)) {
            return null;
        }
        String[] parts = protoPackage.substring(API.length()).split("\\.");
        if (parts.length != 2 || !STABLE.matcher(parts[1]).matches()) {
            return null;
        }
        String declared = fabric8ApiVersion(model);
        if (parts[0].equals("core")) {
            return parts[1].equals(declared) ? declared : null;
        }
        return declared != null && declared.startsWith(parts[0]) && declared.endsWith("/" + parts[1])
                && (declared.startsWith(parts[0] + "/") || declared.startsWith(parts[0] + "."))
                ? declared : null;
    }

    /** The apiVersion fabric8 declares for a kind class, from its @Group and @Version. */
    private static String fabric8ApiVersion(Class<?> model) {
        Group group = model.getAnnotation(Group.class);
        Version version = model.getAnnotation(Version.class);
        if (version == null) {
            return null;
        }
        return group == null || group.value().isEmpty() ? version.value() : group.value() + "/" + version.value();
    }

    private static boolean isKindModel(Class<?> model) {
        return HasMetadata.class.isAssignableFrom(model) || KubernetesResourceList.class.isAssignableFrom(model)
                || model.getPackageName().equals(FABRIC8) && META_KINDS.contains(model.getSimpleName());
    }

    /**
     * The fabric8 class of a top-level message: same simple name, in fabric8's package for the proto
     * package (core and meta share the base package; a group's classes live in
     * {@code <base>.<group>.<version>} or {@code <base>.<group>}).
     */
    private static Class<?> rootModel(Descriptor d) {
        String pkg = d.getFile().getPackage();
        List<String> candidates = new ArrayList<>();
        if (pkg.equals(META) || pkg.equals(API + "core.v1")) {
            candidates.add(FABRIC8);
        } else if (pkg.startsWith(API)) {
            String[] parts = pkg.substring(API.length()).split("\\.");
            if (parts.length == 2) {
                candidates.add(FABRIC8 + "." + parts[0] + "." + parts[1]);
                candidates.add(FABRIC8 + "." + parts[0]);
            }
        }
        for (String c : candidates) {
            try {
                Class<?> cls = Class.forName(c + "." + d.getName(), false, WireSchema.class.getClassLoader());
                Version v = cls.getAnnotation(Version.class);
                String version = pkg.substring(pkg.lastIndexOf('.') + 1);
                if (v == null || v.value().equals(version)) {
                    return cls;
                }
            } catch (ClassNotFoundException e) {
                // not in this package; try the next
            }
        }
        return null;
    }

    /** The stable group-versions of client-java-proto with the apimachinery files they import. */
    private static WireSchema load() {
        FileDescriptor[] roots = {
                V1.getDescriptor(), V1Apps.getDescriptor(), V1Batch.getDescriptor(), V1Autoscaling.getDescriptor(),
                V1Storage.getDescriptor(), V1Policy.getDescriptor(), V1Rbac.getDescriptor(),
                V1Networking.getDescriptor(), V1Scheduling.getDescriptor(), V1Certificates.getDescriptor(),
                V1Authentication.getDescriptor(), V1Authorization.getDescriptor(),
                V1Admissionregistration.getDescriptor(), Meta.getDescriptor(), Runtime.getDescriptor(),
                Resource.getDescriptor(), IntStr.getDescriptor()};
        Map<String, Descriptor> messages = new HashMap<>();
        Deque<FileDescriptor> todo = new ArrayDeque<>(List.of(roots));
        Set<String> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            FileDescriptor f = todo.pop();
            if (!seen.add(f.getName())) {
                continue;
            }
            for (Descriptor d : f.getMessageTypes()) {
                messages.put(d.getFullName(), d);
            }
            todo.addAll(f.getDependencies());
        }
        return new WireSchema(Map.copyOf(messages));
    }
}
