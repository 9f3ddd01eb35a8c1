package io.capstan.printers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.capstan.api.json.KubeJson;

/**
 * One {@code meta.k8s.io/v1 TableColumnDefinition}. kubectl prefixes the cells of the column with
 * {@code format:"name"} by {@code kind/}, and shows columns with {@code priority > 0} only for
 * {@code -o wide}.
 *
 * @param name        the header as the apiserver spells it ("Cluster-IP"); kubectl upper-cases it
 * @param type        the OpenAPI type of the cells: string, integer, number, boolean or date
 * @param format      "name" for the object-name column, otherwise usually empty
 * @param description a human description, taken from the API field documentation
 * @param priority    0 for the default view, 1 for {@code -o wide}
 */
public record Column(String name, String type, String format, String description, int priority) {

    static final String NAME_DOC = "Name must be unique within a namespace. Is required when creating resources, although "
            + "some resources may allow a client to request the generation of an appropriate name automatically. Name is "
            + "primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: "
            + "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
    static final String CREATED_DOC = "CreationTimestamp is a timestamp representing the server time when this object was "
            + "created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not "
            + "set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null "
            + "for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

    static Column nameColumn() {
        return new Column("Name", "string", "name", NAME_DOC, 0);
    }

    static Column age() {
        return new Column("Age", "string", "", CREATED_DOC, 0);
    }

    static Column str(String name, String description) {
        return new Column(name, "string", "", description, 0);
    }

    static Column integer(String name, String description) {
        return new Column(name, "integer", "", description, 0);
    }

    static Column bool(String name, String description) {
        return new Column(name, "boolean", "", description, 0);
    }

    static Column wide(String name, String description) {
        return new Column(name, "string", "", description, 1);
    }

    /** The column as it appears in {@code columnDefinitions}; every field is written, as the apiserver does. */
    public ObjectNode toJson() {
        ObjectNode node = KubeJson.object();
        node.put("name", name);
        node.put("type", type);
        node.put("format", format == null ? "" : format);
        node.put("description", description == null ? "" : description);
        node.put("priority", priority);
        return node;
    }
}
