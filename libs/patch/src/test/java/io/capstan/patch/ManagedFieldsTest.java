package io.capstan.patch;

import static io.capstan.patch.TestJson.json;
import static io.capstan.patch.TestJson.obj;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

class ManagedFieldsTest {
    private static final Instant T1 = Instant.parse("2026-03-01T10:00:00.5Z");
    private static final Instant T2 = Instant.parse("2026-03-01T11:00:00Z");

    private static ObjectNode configMap() {
        return obj("""
                {'apiVersion':'v1','kind':'ConfigMap',
                 'metadata':{'name':'c','namespace':'default','uid':'u1','resourceVersion':'5','creationTimestamp':'2026-03-01T10:00:00Z',
                   'labels':{'app':'x'}},
                 'data':{'k':'v'}}""");
    }

    @Test
    void entriesAreWrittenApplyFirstThenByTimeAndEmptyOnesAreDropped() {
        FieldSet some = FieldSet.parse(json("{\"f:data\":{\"f:k\":{}}}"));
        ObjectNode object = configMap();
        ManagedFields.write(object, List.of(
                new ManagedFields.Entry("b", "Update", "v1", "2026-03-01T11:00:00Z", "", some),
                new ManagedFields.Entry("a", "Update", "v1", "2026-03-01T10:30:00.5Z", "", some),
                new ManagedFields.Entry("z", "Apply", "v1", "2026-03-01T12:00:00Z", "", some),
                new ManagedFields.Entry("c", "Update", "v1", "not a time", "", some),
                new ManagedFields.Entry("d", "Update", "v1", "2026-03-01T09:00:00Z", "", FieldSet.empty())));

        assertThat(object.at("/metadata/managedFields").findValuesAsText("manager")).containsExactly("z", "c", "a", "b");
    }

    @Test
    void createOwnsEverySetFieldExceptServerMaintainedMetadata() {
        ObjectNode created = configMap();
        ManagedFields.trackUpdate(null, created, "kubectl-create", "Update", "", T1, ConfigMap.class);

        assertThat(created.at("/metadata/managedFields")).isEqualTo(json("""
                [{"manager":"kubectl-create","operation":"Update","apiVersion":"v1","time":"2026-03-01T10:00:00Z",
                  "fieldsType":"FieldsV1",
                  "fieldsV1":{"f:data":{".":{},"f:k":{}},"f:metadata":{"f:labels":{".":{},"f:app":{}}}}}]"""));
    }

    @Test
    void updateMovesChangedFieldsToTheWriterAndMergesItsEntry() {
        ObjectNode v1 = configMap();
        ManagedFields.trackUpdate(null, v1, "kubectl-create", "Update", "", T1, ConfigMap.class);
        ObjectNode v2 = v1.deepCopy();
        ((ObjectNode) v2.get("data")).put("k", "changed").put("k2", "new");
        ManagedFields.trackUpdate(v1, v2, "editor", "Update", "", T2, ConfigMap.class);
        ObjectNode v3 = v2.deepCopy();
        ((ObjectNode) v3.at("/metadata/labels")).put("app", "y");
        ManagedFields.trackUpdate(v2, v3, "editor", "Update", "", T2, ConfigMap.class);

        assertThat(v3.at("/metadata/managedFields")).isEqualTo(json("""
                [{"manager":"kubectl-create","operation":"Update","apiVersion":"v1","time":"2026-03-01T10:00:00Z",
                  "fieldsType":"FieldsV1","fieldsV1":{"f:data":{},"f:metadata":{"f:labels":{}}}},
                 {"manager":"editor","operation":"Update","apiVersion":"v1","time":"2026-03-01T11:00:00Z",
                  "fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:k":{},"f:k2":{}},"f:metadata":{"f:labels":{"f:app":{}}}}}]"""));
    }

    @Test
    void removedFieldsLeaveEveryEntryAndEmptyEntriesAreDropped() {
        ObjectNode v1 = configMap();
        ManagedFields.trackUpdate(null, v1, "creator", "Update", "", T1, ConfigMap.class);
        ObjectNode v2 = v1.deepCopy();
        v2.remove("data");
        ((ObjectNode) v2.get("metadata")).remove("labels");
        ManagedFields.trackUpdate(v1, v2, "cleaner", "Update", "", T2, ConfigMap.class);

        assertThat(v2.at("/metadata").has("managedFields")).isFalse();
    }

    @Test
    void unchangedWriteLeavesManagedFieldsAlone() {
        ObjectNode v1 = configMap();
        ManagedFields.trackUpdate(null, v1, "creator", "Update", "", T1, ConfigMap.class);
        ObjectNode v2 = v1.deepCopy();
        ((ObjectNode) v2.get("metadata")).put("resourceVersion", "6");
        ManagedFields.trackUpdate(v1, v2, "noop", "Update", "", T2, ConfigMap.class);

        assertThat(v2.at("/metadata/managedFields")).isEqualTo(v1.at("/metadata/managedFields"));
    }

    @Test
    void emptyManagedFieldsInTheRequestResetTracking() {
        ObjectNode v1 = configMap();
        ManagedFields.trackUpdate(null, v1, "creator", "Update", "", T1, ConfigMap.class);
        ObjectNode v2 = v1.deepCopy();
        ((ObjectNode) v2.get("metadata")).putArray("managedFields");
        ((ObjectNode) v2.get("data")).put("k", "other");
        ManagedFields.trackUpdate(v1, v2, "resetter", "Update", "", T2, ConfigMap.class);

        assertThat(v2.at("/metadata").has("managedFields")).isFalse();
    }

    @Test
    void updateOfAnUntrackedObjectDoesNotStartTracking() {
        ObjectNode v1 = configMap();
        ObjectNode v2 = v1.deepCopy();
        ((ObjectNode) v2.get("data")).put("k", "other");
        ManagedFields.trackUpdate(v1, v2, "writer", "Update", "", T2, ConfigMap.class);

        assertThat(v2.at("/metadata").has("managedFields")).isFalse();
    }

    @Test
    void customResourceUpdateOwnsObjectsAsMaps() {
        ObjectNode widget = obj("{'apiVersion':'example.com/v1','kind':'Widget','metadata':{'name':'w'},'spec':{'size':1,'items':['a']}}");
        ManagedFields.trackUpdate(null, widget, "kubectl-create", "Update", "", T1, null);

        assertThat(widget.at("/metadata/managedFields/0/fieldsV1"))
                .isEqualTo(json("{'f:spec':{'.':{},'f:items':{},'f:size':{}}}"));
    }

    @Test
    void statusWritesAreRecordedUnderTheSubresource() {
        ObjectNode pod = obj("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p'},'spec':{'containers':[{'name':'c','image':'i'}]}}");
        ManagedFields.trackUpdate(null, pod, "kubectl", "Update", "", T1, Pod.class);
        ObjectNode running = pod.deepCopy();
        running.set("status", json("{'phase':'Running','conditions':[{'type':'Ready','status':'True'}]}"));
        ManagedFields.trackUpdate(pod, running, "kubelet", "Update", "status", T2, Pod.class);

        assertThat(running.at("/metadata/managedFields/1")).isEqualTo(json("""
                {"manager":"kubelet","operation":"Update","apiVersion":"v1","time":"2026-03-01T11:00:00Z",
                 "fieldsType":"FieldsV1",
                 "fieldsV1":{"f:status":{"f:conditions":{"k:{\\"type\\":\\"Ready\\"}":{".":{},"f:status":{},"f:type":{}}},"f:phase":{}}},
                 "subresource":"status"}"""));
    }
}
