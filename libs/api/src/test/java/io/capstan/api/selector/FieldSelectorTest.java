package io.capstan.api.selector;

import io.capstan.api.json.KubeJson;
import io.capstan.api.status.ApiException;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FieldSelectorTest {
    private static final JsonNode POD = KubeJson.read("""
            {"metadata":{"name":"web-1","namespace":"default"},"spec":{"nodeName":"node-1"},"status":{"phase":"Running"}}
            """.getBytes());
    private static final JsonNode EVENT = KubeJson.read("""
            {"metadata":{"name":"e1","namespace":"default"},"involvedObject":{"kind":"Pod","name":"web-1","namespace":"default","uid":"u1"},
             "reason":"Started","type":"Normal","source":{"component":"kubelet"}}
            """.getBytes());

    @ParameterizedTest(name = "pod {0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "metadata.name=web-1|true",
            "metadata.name=web-2|false",
            "metadata.namespace=default,spec.nodeName=node-1|true",
            "spec.nodeName=|false",
            "status.phase!=Running|false",
            "status.phase!=Pending|true",
    })
    void selectsPodsByTheirFields(String selector, boolean expected) {
        assertThat(FieldSelector.parse(selector, "Pod").matches(POD)).isEqualTo(expected);
    }

    @Test
    void selectsEventsByInvolvedObjectAsKubectlDescribeDoes() {
        FieldSelector s = FieldSelector.parse(
                "involvedObject.name=web-1,involvedObject.namespace=default,involvedObject.uid=u1", "Event");
        assertThat(s.matches(EVENT)).isTrue();
        assertThat(FieldSelector.parse("source=kubelet,type=Normal", "Event").matches(EVENT)).isTrue();
    }

    @Test
    void rejectsFieldsTheKindDoesNotSupport() {
        assertThatThrownBy(() -> FieldSelector.parse("spec.nodeName=x", "ConfigMap"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.getMessage()).isEqualTo("field label not supported: spec.nodeName");
                });
    }

    @Test
    void exposesTheExactNameForWatchesOfOneObject() {
        assertThat(FieldSelector.parse("metadata.name=web", "Deployment").exactName()).isEqualTo("web");
    }

    @Test
    void excludedLiteralsAreTheQuotedValuesOfPlainStringInequalitiesOnly() {
        assertThat(FieldSelector.parse("status.phase!=Succeeded,status.phase!=Failed", "Pod").excludedLiterals())
                .containsExactly("\"Succeeded\"", "\"Failed\"");
        assertThat(FieldSelector.parse("", "Pod").excludedLiterals()).as("everything").isEmpty();
        assertThat(FieldSelector.parse("status.phase!=Failed,spec.nodeName=n1", "Pod").excludedLiterals()).as("an equality").isNull();
        assertThat(FieldSelector.parse("spec.hostNetwork!=true", "Pod").excludedLiterals()).as("a JSON boolean").isNull();
        assertThat(FieldSelector.parse("metadata.name!=a\"b", "Pod").excludedLiterals()).as("escaped in JSON").isNull();
        // a text without any of them matches
        for (String selector : new String[]{"status.phase!=Succeeded", "status.phase!=Running", "metadata.name!=web-2,spec.nodeName!=n9"}) {
            FieldSelector s = FieldSelector.parse(selector, "Pod");
            String text = POD.toString();
            if (s.excludedLiterals().stream().noneMatch(text::contains)) {
                assertThat(s.matches(POD)).as(selector).isTrue();
            }
        }
    }

    @Test
    void requiredLiteralsAreTheQuotedValuesOfPlainStringEqualities() {
        assertThat(FieldSelector.parse("spec.nodeName=node-1", "Pod").requiredLiterals()).containsExactly("\"node-1\"");
        assertThat(FieldSelector.parse("metadata.namespace=default,spec.nodeName==n.1", "Pod").requiredLiterals())
                .containsExactly("\"default\"", "\"n.1\"");
        assertThat(FieldSelector.parse("spec.nodeName=", "Pod").requiredLiterals()).as("matches a missing field").isEmpty();
        assertThat(FieldSelector.parse("spec.nodeName!=node-1", "Pod").requiredLiterals()).isEmpty();
        assertThat(FieldSelector.parse("spec.hostNetwork=true", "Pod").requiredLiterals()).as("a JSON boolean").isEmpty();
        assertThat(FieldSelector.parse("status.replicas=3", "ReplicaSet").requiredLiterals()).as("a JSON number").isEmpty();
        assertThat(FieldSelector.parse("metadata.name=a\"b", "Pod").requiredLiterals()).as("escaped in JSON").isEmpty();
        // a text that lacks a literal cannot match; one that has it may or may not
        for (String selector : new String[]{"spec.nodeName=node-1", "spec.nodeName=node-2", "metadata.name=web-1,status.phase=Running"}) {
            FieldSelector s = FieldSelector.parse(selector, "Pod");
            String text = POD.toString();
            if (s.matches(POD)) {
                assertThat(s.requiredLiterals()).allMatch(text::contains);
            }
        }
    }
}
