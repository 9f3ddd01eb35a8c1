package io.capstan.printers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.capstan.api.json.KubeJson;
import io.capstan.api.registry.ResourceType;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Renders objects as a {@code meta.k8s.io/v1 Table}, the answer kube-apiserver gives to
 * {@code Accept: application/json;as=Table;v=v1;g=meta.k8s.io}, which is what {@code kubectl get}
 * prints. Column sets follow Kubernetes' server-side printers; rows always carry the wide
 * (priority 1) cells, because the apiserver renders wide and kubectl hides priority-1 columns
 * unless asked for {@code -o wide}.
 *
 * <p>Kinds without a Kubernetes printer (limitranges, CRDs, RBAC kinds, ...) get the apiserver's
 * default columns Name and Created At; custom resources get their CRD's additionalPrinterColumns.
 * Stateless and thread-safe.
 */
public final class TablePrinter {

    /** The {@code includeObject} values the apiserver accepts. */
    public static final List<String> INCLUDE_OBJECT_POLICIES = List.of("None", "Metadata", "Object");

    private static final KindPrinter DEFAULT = new KindPrinter(
            List.of(Column.nameColumn(), new Column("Created At", "date", "", Column.CREATED_DOC, 0)),
            (obj, now) -> BuiltinPrinters.cells(Fields.name(obj), createdAt(obj)));

    private TablePrinter() {
    }

    /**
     * Builds the Table for a list, a single object or one watch event.
     *
     * @param type                the resource the objects belong to
     * @param objects             the objects in their JSON form, in the order to print them
     * @param listResourceVersion the list's resourceVersion (null to leave it out)
     * @param continueToken       the list's continue token (null or empty to leave it out)
     * @param remainingItemCount  the list's remainingItemCount (null to leave it out)
     * @param includeObject       "None", "Metadata" (the default, also for null or empty) or "Object"
     * @param now                 the instant ages are measured to
     * @return the Table, ready to serialize
     * @throws IllegalArgumentException when {@code includeObject} is not one of the accepted values;
     *                                  the apiserver answers that with 400 Bad Request
     */
    public static ObjectNode table(ResourceType type, List<? extends JsonNode> objects, String listResourceVersion,
                                   String continueToken, Long remainingItemCount, String includeObject, Instant now) {
        String policy = includeObject == null || includeObject.isEmpty() ? "Metadata" : includeObject;
        if (!INCLUDE_OBJECT_POLICIES.contains(policy)) {
            throw new IllegalArgumentException("includeObject: unsupported value \"" + includeObject
                    + "\", supported values: \"Metadata\", \"None\", \"Object\"");
        }
        KindPrinter printer = printer(type);
        ObjectNode table = KubeJson.object();
        table.put("kind", "Table");
        table.put("apiVersion", "meta.k8s.io/v1");
        ObjectNode metadata = table.putObject("metadata");
        if (listResourceVersion != null) {
            metadata.put("resourceVersion", listResourceVersion);
        }
        if (continueToken != null && !continueToken.isEmpty()) {
            metadata.put("continue", continueToken);
        }
        if (remainingItemCount != null) {
            metadata.put("remainingItemCount", remainingItemCount);
        }
        ArrayNode columns = table.putArray("columnDefinitions");
        printer.columns().forEach(c -> columns.add(c.toJson()));
        ArrayNode rows = table.putArray("rows");
        for (JsonNode object : objects) {
            rows.add(row(printer, object, policy, now));
        }
        return table;
    }

    /** The column definitions of a resource, wide ones included (priority 1). */
    public static List<Column> columns(ResourceType type) {
        return printer(type).columns();
    }

    private static KindPrinter printer(ResourceType type) {
        if (type.isCustom()) {
            JsonNode columns = type.crdVersion() == null ? null : type.crdVersion().get("additionalPrinterColumns");
            return CustomColumnsPrinter.forColumns(columns);
        }
        KindPrinter builtin = BuiltinPrinters.lookup(type.group(), type.kind());
        return builtin != null ? builtin : DEFAULT;
    }

    private static ObjectNode row(KindPrinter printer, JsonNode object, String policy, Instant now) {
        ObjectNode row = KubeJson.object();
        ArrayNode cells = row.putArray("cells");
        List<Object> values = printer.cells().cells(object, now);
        for (Object value : values) {
            cells.add(toJson(value));
        }
        ArrayNode conditions = printer.conditions().conditions(object);
        if (conditions != null) {
            row.set("conditions", conditions);
        }
        switch (policy) {
            case "Object" -> row.set("object", object);
            case "Metadata" -> {
                ObjectNode partial = KubeJson.object();
                partial.put("kind", "PartialObjectMetadata");
                partial.put("apiVersion", "meta.k8s.io/v1");
                partial.set("metadata", object.path("metadata").isObject() ? object.get("metadata") : KubeJson.object());
                row.set("object", partial);
            }
            default -> {
                // "None": the row carries cells only
            }
        }
        return row;
    }

    private static JsonNode toJson(Object value) {
        if (value == null) {
            return KubeJson.NODES.nullNode();
        } else if (value instanceof String s) {
            return KubeJson.NODES.textNode(s);
        } else if (value instanceof Long l) {
            return KubeJson.NODES.numberNode(l);
        } else if (value instanceof Integer i) {
            return KubeJson.NODES.numberNode(i.longValue());
        } else if (value instanceof Double d) {
            return KubeJson.NODES.numberNode(d);
        } else if (value instanceof Boolean b) {
            return KubeJson.NODES.booleanNode(b);
        } else if (value instanceof JsonNode n) {
            return n;
        }
        return KubeJson.NODES.textNode(value.toString());
    }

    /** The default convertor prints creationTimestamp in UTC RFC 3339 (Go's zero time when absent). */
    private static String createdAt(JsonNode obj) {
        Instant created = Fields.time(obj, "metadata", "creationTimestamp");
        Instant t = created == null ? Instant.parse("0001-01-01T00:00:00Z") : created.truncatedTo(ChronoUnit.SECONDS);
        return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(t.atOffset(ZoneOffset.UTC)).replace("+00:00", "Z");
    }
}
