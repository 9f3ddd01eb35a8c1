package io.capstan.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.capstan.api.json.KubeJson;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Splicing the resourceVersion into stored bytes gives exactly what encoding the decoded object gives. */
class StoredJsonTest {
    private static byte[] bytes(String json) {
        return json.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void splicedBytesEqualTheEncodedObjectWithItsResourceVersion() {
        List<String> stored = List.of(
                "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','namespace':'d','labels':{'a':'}{'}},'spec':{'x':[1,2,{'metadata':{}}]}}",
                "{'metadata':{},'kind':'ConfigMap'}",
                "{'kind':'ConfigMap','data':{'metadata':'x}{'},'metadata':{'name':'c','annotations':{'k':'v\\\\u2028'}},'z':null}",
                "{'kind':'X','metadata':{'name':'n','managedFields':[{'manager':'m','fieldsV1':{'f:metadata':{}}}]},'status':{}}");
        for (String s : stored) {
            byte[] raw = bytes(s);
            ObjectNode tree = (ObjectNode) KubeJson.read(raw);
            byte[] expected = KubeJson.bytes(ResourceStore.withRevision(tree, 42));
            assertThat(new String(StoredJson.bytesWithResourceVersion(KubeJson.bytes(KubeJson.read(raw)), 42), StandardCharsets.UTF_8))
                    .isEqualTo(new String(expected, StandardCharsets.UTF_8));
        }
    }

    @Test
    void bytesThatCannotBeSplicedAreRefused() {
        assertThat(StoredJson.bytesWithResourceVersion(bytes("{'metadata':{'name':'a','resourceVersion':'3'}}"), 4)).isNull();
        assertThat(StoredJson.bytesWithResourceVersion(bytes("{'kind':'X'}"), 4)).isNull();
        assertThat(StoredJson.bytesWithResourceVersion(bytes("{'metadata':'x'}"), 4)).isNull();
        assertThat(StoredJson.bytesWithResourceVersion(bytes("{'metadata':{\n'name':'a'}}"), 4)).isNull();
        assertThat(StoredJson.bytesWithResourceVersion(bytes("[1]"), 4)).isNull();
        assertThat(StoredJson.bytesWithResourceVersion(bytes("{'metadata':{'name':"), 4)).isNull();
    }

    @Test
    void aWatchEventIsTheEncodedEventWhetherSplicedOrNot() {
        // the first can be spliced, the second cannot (a stored resourceVersion), the third is not an object's usual shape
        for (String s : List.of("{'kind':'Pod','metadata':{'name':'p','namespace':'d'},'spec':{'nodeName':'n'}}",
                "{'kind':'Pod','metadata':{'name':'p','resourceVersion':'3'}}",
                "{'kind':'X'}")) {
            byte[] raw = bytes(s);
            ObjectNode event = KubeJson.object();
            event.put("type", "MODIFIED");
            event.set("object", ResourceStore.withRevision((ObjectNode) KubeJson.read(raw), 42));
            assertThat(new String(StoredJson.watchEvent("MODIFIED", raw, 42), StandardCharsets.UTF_8))
                    .isEqualTo(new String(KubeJson.bytes(event), StandardCharsets.UTF_8));
        }
    }
}
