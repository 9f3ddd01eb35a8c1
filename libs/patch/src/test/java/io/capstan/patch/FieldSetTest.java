package io.capstan.patch;

import static io.capstan.patch.TestJson.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Service;
import org.junit.jupiter.api.Test;

class FieldSetTest {
    private static final String FIELDS = """
            {"f:metadata":{"f:labels":{".":{},"f:app":{}}},
             "f:spec":{"f:ports":{"k:{\\"port\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:port":{}}},"f:type":{}}}""";

    @Test
    void parsesAndSerializesFieldsV1RoundTrip() {
        assertThat(FieldSet.parse(json(FIELDS)).toFieldsV1()).isEqualTo(json(FIELDS));
    }

    @Test
    void listsMemberPathsAsKubernetesPrintsThem() {
        assertThat(FieldSet.parse(json(FIELDS)).paths()).containsExactly(
                ".metadata.labels", ".metadata.labels.app", ".spec.type",
                ".spec.ports[port=80,protocol=\"TCP\"]", ".spec.ports[port=80,protocol=\"TCP\"].port");
    }

    @Test
    void setOperationsWorkPathByPath() {
        FieldSet a = FieldSet.parse(json("{'f:spec':{'f:replicas':{},'f:paused':{}}}"));
        FieldSet b = FieldSet.parse(json("{'f:spec':{'f:replicas':{},'f:minReadySeconds':{}}}"));

        assertThat(a.union(b).toFieldsV1()).isEqualTo(json("{'f:spec':{'f:minReadySeconds':{},'f:paused':{},'f:replicas':{}}}"));
        assertThat(a.intersection(b).toFieldsV1()).isEqualTo(json("{'f:spec':{'f:replicas':{}}}"));
        assertThat(a.difference(b).toFieldsV1()).isEqualTo(json("{'f:spec':{'f:paused':{}}}"));
        assertThat(a.difference(a).isEmpty()).isTrue();
        assertThat(a.contains("f:spec", "f:paused")).isTrue();
        assertThat(a.contains("f:spec")).isFalse();
    }

    @Test
    void differenceKeepsChildrenOfARemovedMember() {
        FieldSet withSelf = FieldSet.parse(json("{'f:data':{'.':{},'f:k':{}}}"));
        FieldSet self = FieldSet.parse(json("{'f:data':{}}"));
        assertThat(withSelf.difference(self).toFieldsV1()).isEqualTo(json("{'f:data':{'f:k':{}}}"));
    }

    @Test
    void fromObjectUsesServiceSsaKeysWithDefaultedProtocol() {
        FieldSet set = FieldSet.fromObject(json("""
                {'apiVersion':'v1','kind':'Service','metadata':{'name':'s','labels':{'app':'x'}},
                 'spec':{'type':'ClusterIP','ports':[{'port':80}],'selector':{}}}"""), Service.class);
        assertThat(set.toFieldsV1()).isEqualTo(json("""
                {"f:apiVersion":{},"f:kind":{},"f:metadata":{"f:labels":{"f:app":{}},"f:name":{}},
                 "f:spec":{"f:ports":{"k:{\\"port\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:port":{}}},"f:type":{}}}"""));
    }

    @Test
    void rejectsMalformedFieldsV1() {
        assertThatThrownBy(() -> FieldSet.parse(json("{'x:bad':{}}"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FieldSet.parse(json("[]"))).isInstanceOf(IllegalArgumentException.class);
    }
}
