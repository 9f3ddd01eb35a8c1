package io.capstan.printers;

import com.fasterxml.jackson.databind.JsonNode;
import io.capstan.api.json.KubeJson;
import io.capstan.api.registry.BuiltinResources;
import io.capstan.api.registry.ResourceType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

final class Fixtures {

    static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");

    private Fixtures() {
    }

    static JsonNode yaml(String text) {
        try {
            return KubeJson.MAPPER.valueToTree(KubeJson.YAML.readTree(text));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ResourceType type(String group, String version, String kind) {
        return BuiltinResources.ALL.stream()
                .filter(t -> t.group().equals(group) && t.version().equals(version) && t.kind().equals(kind))
                .findFirst().orElseThrow();
    }

    /** The cells of a single-object table, as JSON values. */
    static List<JsonNode> cells(ResourceType type, JsonNode object) {
        JsonNode table = TablePrinter.table(type, List.of(object), "1", null, null, "None", NOW);
        java.util.ArrayList<JsonNode> out = new java.util.ArrayList<>();
        table.path("rows").get(0).path("cells").forEach(out::add);
        return out;
    }

    static List<String> headers(ResourceType type) {
        return TablePrinter.columns(type).stream().map(Column::name).toList();
    }
}
