package io.capstan.validation;

import io.capstan.api.json.KubeJson;
import io.capstan.api.registry.BuiltinResources;
import io.capstan.api.registry.GroupVersionKind;
import io.capstan.api.registry.ResourceType;
import io.capstan.api.status.FieldError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Test helpers: YAML objects, their resource types, and the shared fixture manifests. */
final class Objects {
    static final Path FIXTURES = Path.of("/work/shared/fixtures/k8s");

    private Objects() {
    }

    static ObjectNode yaml(String text) {
        try {
            return (ObjectNode) KubeJson.YAML.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ResourceType typeOf(JsonNode obj) {
        GroupVersionKind gvk = GroupVersionKind.of(obj.get("apiVersion").asText(), obj.get("kind").asText());
        return BuiltinResources.ALL.stream().filter(t -> t.gvk().equals(gvk)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("not served: " + gvk));
    }

    /** Defaults and validates as the server does on create, with the namespace and uid it would fill in. */
    static List<FieldError> create(ObjectNode obj) {
        ResourceType type = typeOf(obj);
        Defaults.apply(type, obj);
        return Validation.validate(type, obj, null);
    }

    /** "TYPE field" for each error, the shape the tables compare. */
    static List<String> brief(List<FieldError> errors) {
        return errors.stream().map(e -> e.type() + " " + e.field()).toList();
    }

    record Fixture(String file, ObjectNode object) {
        @Override
        public String toString() {
            return file + " " + object.get("kind").asText() + "/" + object.at("/metadata/name").asText();
        }
    }

    static Stream<Fixture> fixtures() {
        List<Fixture> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(FIXTURES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                try (MappingIterator<JsonNode> docs = KubeJson.YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
                    while (docs.hasNext()) {
                        JsonNode doc = docs.next();
                        if (doc instanceof ObjectNode o && o.has("kind")) {
                            all.add(new Fixture(file.getFileName().toString(), o));
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all.stream();
    }

    static ObjectNode fixture(String file, String kind) {
        return fixtures().filter(f -> f.file().equals(file) && f.object().get("kind").asText().equals(kind))
                .findFirst().orElseThrow().object().deepCopy();
    }

    static ObjectNode defaulted(String file, String kind) {
        ObjectNode obj = fixture(file, kind);
        Defaults.apply(typeOf(obj), obj);
        return obj;
    }
}
