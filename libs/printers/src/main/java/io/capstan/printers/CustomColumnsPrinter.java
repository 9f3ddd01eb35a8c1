package io.capstan.printers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.capstan.api.json.KubeJson;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Tables from CRD {@code additionalPrinterColumns}, as the apiextensions-apiserver's
 * tableconvertor builds them: a Name column, then each declared column; when none are declared,
 * the single default column Age ({@code .metadata.creationTimestamp}, type date). Cells of a path
 * that selects nothing are null (kubectl shows "&lt;none&gt;"); when it selects several values the
 * first is used.
 */
final class CustomColumnsPrinter {

    /** Go's json.Marshal sorts map keys; string cells of objects and arrays are compact JSON. */
    private static final ObjectMapper SORTED = KubeJson.MAPPER.copy().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private record Declared(Column column, SimpleJsonPath path) {
    }

    private CustomColumnsPrinter() {
    }

    /** A printer for the given {@code additionalPrinterColumns} array (missing or empty means the default Age). */
    static KindPrinter forColumns(JsonNode additionalPrinterColumns) {
        List<Declared> declared = new ArrayList<>();
        if (additionalPrinterColumns != null) {
            for (JsonNode c : additionalPrinterColumns) {
                SimpleJsonPath path;
                try {
                    path = SimpleJsonPath.compile(c.path("jsonPath").asText());
                } catch (RuntimeException e) {
                    path = null; // the apiserver validates paths on CRD admission; a path beyond our subset prints null
                }
                declared.add(new Declared(new Column(c.path("name").asText(), c.path("type").asText(),
                        c.path("format").asText(""), c.path("description").asText(""), c.path("priority").asInt(0)), path));
            }
        }
        if (declared.isEmpty()) {
            declared.add(new Declared(new Column("Age", "date", "", Column.CREATED_DOC, 0),
                    SimpleJsonPath.compile(".metadata.creationTimestamp")));
        }
        List<Column> columns = new ArrayList<>();
        columns.add(Column.nameColumn());
        declared.forEach(d -> columns.add(d.column()));
        return new KindPrinter(List.copyOf(columns), (obj, now) -> {
            List<Object> cells = new ArrayList<>();
            cells.add(Fields.name(obj));
            for (Declared d : declared) {
                List<JsonNode> results = d.path() == null ? List.of() : d.path().find(obj);
                cells.add(results.isEmpty() ? null : cell(d.column().type(), results.get(0), now));
            }
            return cells;
        });
    }

    /** cellForJSONValue, plus the "string" branch that prints any value as kubectl's JSONPath would. */
    static Object cell(String type, JsonNode value, Instant now) {
        if (value == null || value.isNull()) {
            return null;
        }
        switch (type) {
            case "string":
                return text(value);
            case "integer":
                return value.isNumber() ? (Object) value.asLong() : null;
            case "number":
                if (!value.isNumber()) {
                    return null;
                }
                return value.isIntegralNumber() ? (Object) value.asLong() : (Object) value.asDouble();
            case "boolean":
                return value.isBoolean() ? value.asBoolean() : null;
            case "date":
                if (!value.isTextual()) {
                    return null;
                }
                try {
                    return HumanDuration.since(OffsetDateTime.parse(value.asText()).toInstant(), now);
                } catch (DateTimeParseException e) {
                    return "<invalid>";
                }
            default:
                return null;
        }
    }

    private static String text(JsonNode value) {
        if (value.isTextual()) {
            return value.asText();
        }
        if (value.isContainerNode()) {
            try {
                return SORTED.writeValueAsString(SORTED.treeToValue(value, Object.class));
            } catch (JsonProcessingException e) {
                return value.toString();
            }
        }
        if (value.isFloatingPointNumber()) {
            return new BigDecimal(value.asText()).stripTrailingZeros().toPlainString();
        }
        return value.asText();
    }
}
