package io.capstan.patch;

import static io.capstan.patch.TestJson.obj;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The in-place comparison (skipping metadata.managedFields and ignored top-level fields while
 * walking) gives exactly what comparing copies without them gives.
 */
class ManagedFieldsCompareTest {
    private static final String POD = """
            {'apiVersion':'v1','kind':'Pod',
             'metadata':{'name':'p','namespace':'default','labels':{'app':'x','tier':'web'},
               'annotations':{'a':'1'},'managedFields':[{'manager':'m','operation':'Update','apiVersion':'v1',
               'fieldsType':'FieldsV1','fieldsV1':{'f:metadata':{'f:labels':{'f:app':{}}}}}]},
             'spec':{'containers':[{'name':'c','image':'i:1','ports':[{'containerPort':80},{'containerPort':81,'protocol':'UDP'}],
               'env':[{'name':'A','value':'1'}],'args':['x','y'],
               'resources':{'requests':{'cpu':'100m'},'limits':{'memory':'64Mi'}}}],
               'nodeSelector':{'disk':'ssd'},'tolerations':[]},
             'status':{'phase':'Pending','conditions':[{'type':'Ready','status':'False'}]}}""";

    private static List<ObjectNode> variants() {
        List<ObjectNode> out = new ArrayList<>();
        ObjectNode base = obj(POD);
        out.add(base);
        ObjectNode v = base.deepCopy();
        ((ObjectNode) v.get("metadata")).remove("managedFields");
        out.add(v);
        v = base.deepCopy();
        ((ObjectNode) v.at("/metadata/labels")).put("app", "y");
        ((ObjectNode) v.at("/spec/containers/0")).put("image", "i:2");
        ((ObjectNode) v.get("status")).put("phase", "Running");
        out.add(v);
        v = base.deepCopy();
        ((ObjectNode) v.get("metadata")).removeAll().putArray("managedFields");
        out.add(v);
        v = base.deepCopy();
        ((ObjectNode) v.get("metadata")).removeAll();
        out.add(v);
        v = base.deepCopy();
        v.remove("status");
        ((ObjectNode) v.at("/spec")).remove("nodeSelector");
        ((ObjectNode) v.at("/spec/containers/0")).putArray("ports");
        out.add(v);
        v = base.deepCopy();
        ((ObjectNode) v.at("/spec/containers/0")).withArray("env").addObject().put("name", "B").put("value", "2");
        ((ObjectNode) v.at("/metadata")).putObject("labels");
        out.add(v);
        v = base.deepCopy();
        v.putObject("extra").put("x", 1);
        ((ObjectNode) v.at("/metadata")).putNull("annotations");
        out.add(v);
        return out;
    }

    @Test
    void inPlaceComparisonMatchesComparisonOfCopies() {
        List<ObjectNode> vs = variants();
        for (Class<?> model : new Class<?>[] {Pod.class, ConfigMap.class, null}) {
            JavaType root = ModelTypes.root(model);
            for (Set<String> scope : List.of(Set.<String>of(), Set.of("status"), Set.of("spec"))) {
                for (ObjectNode a : vs) {
                    for (ObjectNode b : vs) {
                        check(a, b, root, scope);
                        check(null, b, root, scope);
                    }
                }
            }
        }
    }

    @Test
    void unchangedSubtreesReportNothingAndADeepChangeIsReportedAtItsLeaf() {
        ObjectNode old = obj(POD);
        ObjectNode bound = old.deepCopy();
        ((ObjectNode) bound.get("spec")).put("nodeName", "n1");
        ((ObjectNode) bound.at("/spec/containers/0/resources/requests")).put("cpu", "200m");
        // the same port written as 80.0: equal to Kubernetes, so not a change
        ((ObjectNode) bound.at("/spec/containers/0/ports/0")).put("containerPort", 80.0);
        ManagedFields.Diff diff = ManagedFields.compare(old, bound, ModelTypes.root(Pod.class), Set.of("status"), true);
        assertThat(diff.added()).isEqualTo(FieldSet.parse(obj("{'f:spec':{'f:nodeName':{}}}")));
        assertThat(diff.modified()).isEqualTo(FieldSet.parse(obj(
                "{'f:spec':{'f:containers':{'k:{\\\"name\\\":\\\"c\\\"}':{'f:resources':{'f:requests':{'f:cpu':{}}}}}}}")));
        assertThat(diff.removed()).isEqualTo(FieldSet.empty());
        ManagedFields.Diff none = ManagedFields.compare(old, old.deepCopy(), ModelTypes.root(Pod.class), Set.of(), true);
        assertThat(none.added()).isEqualTo(FieldSet.empty());
        assertThat(none.modified()).isEqualTo(FieldSet.empty());
        assertThat(none.removed()).isEqualTo(FieldSet.empty());
    }

    private static void check(ObjectNode a, ObjectNode b, JavaType root, Set<String> scope) {
        String before = a == null ? null : a.toString();
        String after = b.toString();
        ManagedFields.Diff expected = ManagedFields.compare(ManagedFields.withoutManagedFields(a),
                ManagedFields.withoutManagedFields(b), root).without(scope);
        ManagedFields.Diff actual = ManagedFields.compare(a, b, root, scope, true);
        assertThat(actual.modified()).as("modified %s -> %s", before, after).isEqualTo(expected.modified());
        assertThat(actual.added()).as("added %s -> %s", before, after).isEqualTo(expected.added());
        assertThat(actual.removed()).as("removed %s -> %s", before, after).isEqualTo(expected.removed());
        assertThat(a == null ? null : a.toString()).isEqualTo(before);
        assertThat(b.toString()).isEqualTo(after);
    }
}
