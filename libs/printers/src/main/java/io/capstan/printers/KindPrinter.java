package io.capstan.printers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

import java.time.Instant;
import java.util.List;

/**
 * The printer of one kind: its columns (default and wide, since the apiserver always renders wide
 * rows and lets kubectl hide priority-1 columns) and a function from an object to its cells.
 * Cells are Java values: String, Long, Boolean, Double or null, matching the column's type.
 */
record KindPrinter(List<Column> columns, CellFunction cells, ConditionFunction conditions) {

    KindPrinter(List<Column> columns, CellFunction cells) {
        this(columns, cells, (obj) -> null);
    }

    @FunctionalInterface
    interface CellFunction {
        List<Object> cells(JsonNode object, Instant now);
    }

    /** Row conditions ({@code rows[].conditions}); only pods set them, to mark completed pods. */
    @FunctionalInterface
    interface ConditionFunction {
        ArrayNode conditions(JsonNode object);
    }
}
