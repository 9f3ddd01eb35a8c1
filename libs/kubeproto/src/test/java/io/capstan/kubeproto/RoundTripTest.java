package io.capstan.kubeproto;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.capstan.api.json.KubeJson;
import io.capstan.api.status.ApiException;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every built-in kind, as a fabric8 object with many fields set, must come back from
 * JSON -> protobuf -> JSON unchanged. The encoder rejects keys without a protobuf field, so a key
 * that fabric8 knows but the mapping misses (an un-lifted inline struct, a renamed field) fails
 * loudly here instead of vanishing in production.
 */
class RoundTripTest {

    static Stream<Named<Fixture>> kinds() {
        return Fixtures.ALL.stream().map(f -> Named.of(f.name(), f));
    }

    @ParameterizedTest(name = "{0} survives JSON -> protobuf -> JSON unchanged")
    @MethodSource("kinds")
    void everyBuiltInKindSurvivesARoundTrip(Fixture fixture) {
        ObjectNode original = fixture.json();

        ObjectNode back = KubeProtobuf.decode(KubeProtobuf.encode(original));

        assertThat(back).isEqualTo(fixture.expectedAfterWire(original));
    }

    @Test
    void encodeRefusesAKeyWithoutAProtobufFieldInsteadOfDroppingIt() {
        ObjectNode cm = (ObjectNode) json("""
                {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","nmae":"typo"}}""");

        assertThatThrownBy(() -> KubeProtobuf.encode(cm))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(400))
                .hasMessageContaining("metadata.nmae");
    }

    @Test
    void encodeOfAKindWithoutAProtobufMessageIsNotAcceptable() {
        ObjectNode widget = (ObjectNode) json("""
                {"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"x"}}""");

        assertThatThrownBy(() -> KubeProtobuf.encode(widget))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(406));
    }

    @Test
    void timeIsWrittenWithSecondPrecisionAndMicroTimeWithMicroseconds() {
        ObjectNode event = (ObjectNode) json("""
                {"apiVersion":"v1","kind":"Event",
                 "metadata":{"name":"e","creationTimestamp":"2024-01-01T10:00:00+02:00"},
                 "involvedObject":{"kind":"Pod","name":"p"},
                 "eventTime":"2024-01-01T08:00:00.1234567Z"}""");

        ObjectNode back = KubeProtobuf.decode(KubeProtobuf.encode(event));

        assertThat(back.at("/metadata/creationTimestamp").asText()).isEqualTo("2024-01-01T08:00:00Z");
        assertThat(back.at("/eventTime").asText()).isEqualTo("2024-01-01T08:00:00.123456Z");
    }

    static JsonNode json(String text) {
        try {
            return KubeJson.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A named fixture: YAML read through its fabric8 class (or as a plain tree when fabric8 has
     * none). {@code nestedKinds} are JSON pointers to embedded objects whose apiVersion and kind
     * fabric8 fills in but the wire cannot carry (Go's TypeMeta has no protobuf field).
     */
    record Fixture(String name, Class<? extends KubernetesResource> model, String yaml, String... nestedKinds) {
        ObjectNode expectedAfterWire(ObjectNode original) {
            ObjectNode expected = original.deepCopy();
            for (String pointer : nestedKinds) {
                ((ObjectNode) expected.at(pointer)).remove(List.of("apiVersion", "kind"));
            }
            return expected;
        }

        ObjectNode json() {
            try {
                JsonNode tree = KubeJson.YAML.readTree(yaml);
                if (model != null) {
                    tree = KubeJson.tree(KubeJson.MAPPER.treeToValue(tree, model));
                }
                // Parsed back from text so numbers have the node types a JSON parser gives them.
                return (ObjectNode) KubeJson.read(KubeJson.bytes(tree));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
