package io.capstan.patch;

import io.capstan.api.json.KubeJson;
import io.capstan.api.schema.FieldMeta;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * An immutable set of field paths, the content of a managedFields entry's {@code fieldsV1}
 * (structured-merge-diff's {@code fieldpath.Set}). A path is a list of path elements:
 * {@code f:<field>}, {@code k:<json key object>}, {@code v:<json value>} or {@code i:<index>}.
 * In fieldsV1 a leaf member is {@code {}} and a member that also has children carries {@code ".":{}}.
 */
public final class FieldSet {
    static final String FIELD = "f:";
    static final String KEY = "k:";
    static final String VALUE = "v:";
    static final String INDEX = "i:";
    private static final String SELF = ".";

    /** structured-merge-diff order: field names, then keys, then values, then indexes. */
    static final Comparator<String> ELEMENT_ORDER = (a, b) -> {
        int ra = rank(a);
        int rb = rank(b);
        if (ra != rb) {
            return Integer.compare(ra, rb);
        }
        return ra == 3 ? Long.compare(index(a), index(b)) : a.compareTo(b);
    };

    private static final FieldSet EMPTY = new FieldSet(new Node());

    private final Node root;

    private FieldSet(Node root) {
        this.root = root;
    }

    public static FieldSet empty() {
        return EMPTY;
    }

    /**
     * Parses a {@code fieldsV1} object.
     *
     * @throws IllegalArgumentException when the value is not a fieldsV1 object
     */
    public static FieldSet parse(JsonNode fieldsV1) {
        if (Json.absent(fieldsV1)) {
            return EMPTY;
        }
        if (!fieldsV1.isObject()) {
            throw new IllegalArgumentException("fieldsV1 must be an object");
        }
        Node root = new Node();
        parseInto(root, fieldsV1);
        return new FieldSet(root);
    }

    private static void parseInto(Node node, JsonNode json) {
        for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (SELF.equals(e.getKey())) {
                node.member = true;
                continue;
            }
            if (rank(e.getKey()) > 3 || !e.getValue().isObject()) {
                throw new IllegalArgumentException("invalid fieldsV1 path element " + e.getKey());
            }
            Node child = node.child(e.getKey());
            if (e.getValue().isEmpty()) {
                child.member = true;
            } else {
                parseInto(child, e.getValue());
            }
        }
    }

    /** The {@code fieldsV1} form of this set. */
    public ObjectNode toFieldsV1() {
        ObjectNode out = KubeJson.object();
        write(root, out);
        return out;
    }

    private static void write(Node node, ObjectNode out) {
        for (Map.Entry<String, Node> e : node.children.entrySet()) {
            ObjectNode child = out.putObject(e.getKey());
            Node n = e.getValue();
            if (n.member && !n.children.isEmpty()) {
                child.putObject(SELF);
            }
            write(n, child);
        }
    }

    /**
     * The set of fields an apply configuration specifies, as server-side apply computes it:
     * scalars, atomic lists and list elements of associative lists are members; struct fields with
     * children are not, map entries are.
     *
     * @param modelClass the fabric8 class of the object, or null for a custom resource
     */
    public static FieldSet fromObject(JsonNode object, Class<?> modelClass) {
        return fromObject(object, ModelTypes.root(modelClass));
    }

    static FieldSet fromObject(JsonNode object, JavaType type) {
        Node root = new Node();
        if (object != null && object.isObject()) {
            collectObject(root, object, type);
        }
        return new FieldSet(root);
    }

    private static void collectObject(Node node, JsonNode object, JavaType type) {
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNull()) {
                continue;
            }
            Node child = node.child(FIELD + e.getKey());
            if (!ModelTypes.isDeclaredField(type, e.getKey())) {
                child.member = true;
            }
            collectValue(child, e.getValue(), ModelTypes.field(type, e.getKey()), ModelTypes.meta(type, e.getKey()));
        }
        node.children.values().removeIf(Node::isEmpty);
    }

    private static void collectValue(Node node, JsonNode value, JavaType type, FieldMeta meta) {
        if (value.isObject()) {
            collectObject(node, value, type);
        } else if (value.isArray()) {
            ListKind kind = ListKind.of(meta);
            if (kind == ListKind.ATOMIC) {
                node.member = true;
                return;
            }
            JavaType element = ModelTypes.element(type);
            for (int i = 0; i < value.size(); i++) {
                JsonNode item = value.get(i);
                Node child = node.child(ListKind.pathElement(kind, meta, item, i));
                child.member = true;
                if (kind == ListKind.MAP && item.isObject()) {
                    collectObject(child, item, element);
                }
            }
        } else {
            node.member = true;
        }
    }

    public FieldSet union(FieldSet other) {
        // Sets are immutable, so an operand can stand for the result.
        if (other.isEmpty()) {
            return this;
        }
        if (isEmpty()) {
            return other;
        }
        return new FieldSet(union(root, other.root));
    }

    /** The paths of this set that are not in {@code other}; children of a removed path stay. */
    public FieldSet difference(FieldSet other) {
        if (isEmpty() || other.isEmpty()) {
            return this;
        }
        return new FieldSet(difference(root, other.root));
    }

    public FieldSet intersection(FieldSet other) {
        return new FieldSet(intersection(root, other.root));
    }

    public boolean isEmpty() {
        return root.isEmpty();
    }

    /** Whether the path given as path elements ({@code "f:spec", "f:replicas"}) is a member. */
    public boolean contains(String... path) {
        Node n = root;
        for (String element : path) {
            n = n.children.get(element);
            if (n == null) {
                return false;
            }
        }
        return n.member && path.length > 0;
    }

    /** Every member path as Kubernetes prints it in conflicts, e.g. {@code .spec.containers[name="web"].image}. */
    public List<String> paths() {
        List<String> out = new ArrayList<>();
        iterate(root, new ArrayList<>(), p -> out.add(describe(p)));
        return out;
    }

    /** Visits members at one level before descending, the order structured-merge-diff iterates. */
    static void iterate(Node node, List<String> prefix, Consumer<List<String>> visitor) {
        for (Map.Entry<String, Node> e : node.children.entrySet()) {
            if (e.getValue().member) {
                prefix.add(e.getKey());
                visitor.accept(List.copyOf(prefix));
                prefix.remove(prefix.size() - 1);
            }
        }
        for (Map.Entry<String, Node> e : node.children.entrySet()) {
            if (!e.getValue().children.isEmpty()) {
                prefix.add(e.getKey());
                iterate(e.getValue(), prefix, visitor);
                prefix.remove(prefix.size() - 1);
            }
        }
    }

    /** Renders a path as structured-merge-diff's {@code Path.String()}. */
    static String describe(List<String> path) {
        StringBuilder b = new StringBuilder();
        for (String element : path) {
            String body = element.substring(2);
            if (element.startsWith(FIELD)) {
                b.append('.').append(body);
            } else if (element.startsWith(KEY)) {
                JsonNode key = KubeJson.read(body.getBytes(StandardCharsets.UTF_8));
                List<String> parts = new ArrayList<>();
                key.fields().forEachRemaining(f -> parts.add(f.getKey() + "=" + KubeJson.string(f.getValue())));
                b.append('[').append(String.join(",", parts)).append(']');
            } else if (element.startsWith(VALUE)) {
                b.append("[=").append(body).append(']');
            } else {
                b.append('[').append(body).append(']');
            }
        }
        return b.toString();
    }

    /**
     * This set with every struct field that has owned children also a member, so pruning a struct
     * whose last owned child is gone removes the struct itself (structured-merge-diff's
     * {@code EnsureNamedFieldsAreMembers}).
     */
    FieldSet withNamedFieldsAsMembers(JavaType type) {
        Node copy = root.copy();
        ensureNamed(copy, type);
        return new FieldSet(copy);
    }

    private static void ensureNamed(Node node, JavaType type) {
        for (Map.Entry<String, Node> e : node.children.entrySet()) {
            String element = e.getKey();
            Node child = e.getValue();
            JavaType childType;
            if (element.startsWith(FIELD)) {
                String name = element.substring(2);
                if (!child.children.isEmpty() && ModelTypes.isDeclaredField(type, name)) {
                    child.member = true;
                }
                childType = ModelTypes.field(type, name);
            } else {
                childType = ModelTypes.element(type);
            }
            ensureNamed(child, childType);
        }
    }

    Node root() {
        return root;
    }

    static FieldSet of(Node root) {
        return new FieldSet(root);
    }

    private static Node union(Node a, Node b) {
        Node out = a.copy();
        out.member |= b.member;
        for (Map.Entry<String, Node> e : b.children.entrySet()) {
            Node mine = out.children.get(e.getKey());
            out.children.put(e.getKey(), mine == null ? e.getValue().copy() : union(mine, e.getValue()));
        }
        return out;
    }

    private static Node difference(Node a, Node b) {
        Node out = new Node();
        out.member = a.member && !b.member;
        for (Map.Entry<String, Node> e : a.children.entrySet()) {
            Node theirs = b.children.get(e.getKey());
            Node d = theirs == null ? e.getValue().copy() : difference(e.getValue(), theirs);
            if (!d.isEmpty()) {
                out.children.put(e.getKey(), d);
            }
        }
        return out;
    }

    private static Node intersection(Node a, Node b) {
        Node out = new Node();
        out.member = a.member && b.member;
        for (Map.Entry<String, Node> e : a.children.entrySet()) {
            Node theirs = b.children.get(e.getKey());
            if (theirs != null) {
                Node i = intersection(e.getValue(), theirs);
                if (!i.isEmpty()) {
                    out.children.put(e.getKey(), i);
                }
            }
        }
        return out;
    }

    private static int rank(String element) {
        if (element.length() < 2 || element.charAt(1) != ':') {
            return 4;
        }
        return switch (element.charAt(0)) {
            case 'f' -> 0;
            case 'k' -> 1;
            case 'v' -> 2;
            case 'i' -> 3;
            default -> 4;
        };
    }

    private static long index(String element) {
        try {
            return Long.parseLong(element.substring(2));
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FieldSet other && toFieldsV1().equals(other.toFieldsV1());
    }

    @Override
    public int hashCode() {
        return toFieldsV1().hashCode();
    }

    @Override
    public String toString() {
        return KubeJson.string(toFieldsV1());
    }

    /** A mutable trie node; only code in this package builds them, and never after publishing. */
    static final class Node {
        boolean member;
        final TreeMap<String, Node> children = new TreeMap<>(ELEMENT_ORDER);

        Node child(String element) {
            return children.computeIfAbsent(element, k -> new Node());
        }

        boolean isEmpty() {
            return !member && children.isEmpty();
        }

        Node copy() {
            Node n = new Node();
            n.member = member;
            children.forEach((k, v) -> n.children.put(k, v.copy()));
            return n;
        }

        /** Marks the path below this node as a member, creating the nodes along it. */
        void insert(List<String> path) {
            if (path.isEmpty()) {
                return;
            }
            Node n = this;
            for (String element : path) {
                n = n.child(element);
            }
            n.member = true;
        }
    }
}
