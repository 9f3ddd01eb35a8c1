package io.capstan.patch;

import static io.capstan.patch.TestJson.directiveIn;
import static io.capstan.patch.TestJson.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.capstan.api.status.ApiException;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

class StrategicMergePatchTest {
    private static final String DEPLOYMENT = """
            {'apiVersion':'apps/v1','kind':'Deployment',
             'metadata':{'name':'web','namespace':'default','labels':{'app':'web','tier':'front'},'finalizers':['a','b','c']},
             'spec':{'replicas':2,
               'template':{'metadata':{'labels':{'app':'web'}},
                 'spec':{
                   'containers':[
                     {'name':'web','image':'nginx:1.25','ports':[{'containerPort':80,'protocol':'TCP'}],
                      'env':[{'name':'A','value':'1'},{'name':'B','value':'2'}]},
                     {'name':'sidecar','image':'envoy:1','args':['--x']}],
                   'volumes':[{'name':'cache','emptyDir':{}},{'name':'cfg','configMap':{'name':'c1'}}],
                   'tolerations':[{'key':'a','operator':'Exists'},{'key':'b','operator':'Exists'}]}}}}""";

    private static String podSpec(String inner) {
        return "{'spec':{'template':{'spec':" + inner + "}}}";
    }

    static Stream<Arguments> patches() {
        return Stream.of(
                Arguments.of("container image is merged by name, other fields and containers kept",
                        podSpec("{'containers':[{'name':'web','image':'nginx:1.27'}]}"),
                        "/spec/template/spec/containers",
                        "[{'name':'web','image':'nginx:1.27','ports':[{'containerPort':80,'protocol':'TCP'}],"
                                + "'env':[{'name':'A','value':'1'},{'name':'B','value':'2'}]},"
                                + "{'name':'sidecar','image':'envoy:1','args':['--x']}]"),
                Arguments.of("a patch of only new containers puts them first, as kube-apiserver does",
                        podSpec("{'containers':[{'name':'log','image':'busybox'}]}"),
                        "/spec/template/spec/containers", "[{'name':'log','image':'busybox'},"
                                + "{'name':'web','image':'nginx:1.25','ports':[{'containerPort':80,'protocol':'TCP'}],"
                                + "'env':[{'name':'A','value':'1'},{'name':'B','value':'2'}]},"
                                + "{'name':'sidecar','image':'envoy:1','args':['--x']}]"),
                Arguments.of("without an order directive, patched containers keep server order and new ones follow",
                        podSpec("{'containers':[{'name':'sidecar','image':'envoy:2'},{'name':'log','image':'busybox'}]}"),
                        "/spec/template/spec/containers/2/name", "'log'"),
                Arguments.of("env is merged by name",
                        podSpec("{'containers':[{'name':'web','env':[{'name':'B','value':'3'},{'name':'C','value':'4'}]}]}"),
                        "/spec/template/spec/containers/0/env",
                        "[{'name':'A','value':'1'},{'name':'B','value':'3'},{'name':'C','value':'4'}]"),
                Arguments.of("ports are merged by containerPort, the new one first",
                        podSpec("{'containers':[{'name':'web','ports':[{'containerPort':443}]}]}"),
                        "/spec/template/spec/containers/0/ports",
                        "[{'containerPort':443},{'containerPort':80,'protocol':'TCP'}]"),
                Arguments.of("args of a container are replaced",
                        podSpec("{'containers':[{'name':'sidecar','args':['--y']}]}"),
                        "/spec/template/spec/containers/1/args", "['--y']"),
                Arguments.of("volumes are merged by name",
                        podSpec("{'volumes':[{'name':'cfg','configMap':{'name':'c2'}}]}"),
                        "/spec/template/spec/volumes",
                        "[{'name':'cache','emptyDir':{}},{'name':'cfg','configMap':{'name':'c2'}}]"),
                Arguments.of("$retainKeys drops the volume source not retained",
                        podSpec("{'volumes':[{'name':'cache','$retainKeys':['hostPath','name'],'hostPath':{'path':'/tmp'}}]}"),
                        "/spec/template/spec/volumes/0", "{'name':'cache','hostPath':{'path':'/tmp'}}"),
                Arguments.of("$setElementOrder reorders containers",
                        podSpec("{'$setElementOrder/containers':[{'name':'sidecar'},{'name':'web'}],"
                                + "'containers':[{'name':'web','image':'nginx:1.27'}]}"),
                        "/spec/template/spec/containers/0/name", "'sidecar'"),
                Arguments.of("$setElementOrder alone reorders without merging",
                        podSpec("{'$setElementOrder/containers':[{'name':'sidecar'},{'name':'web'}]}"),
                        "/spec/template/spec/containers/1",
                        "{'name':'web','image':'nginx:1.25','ports':[{'containerPort':80,'protocol':'TCP'}],"
                                + "'env':[{'name':'A','value':'1'},{'name':'B','value':'2'}]}"),
                Arguments.of("$patch delete removes a container",
                        podSpec("{'containers':[{'name':'sidecar','$patch':'delete'}]}"),
                        "/spec/template/spec/containers/1", null),
                Arguments.of("$patch replace on a list element replaces the whole list",
                        podSpec("{'containers':[{'name':'only','image':'x'},{'$patch':'replace'}]}"),
                        "/spec/template/spec/containers", "[{'name':'only','image':'x'}]"),
                Arguments.of("$patch replace on a map replaces the map",
                        "{'spec':{'template':{'metadata':{'$patch':'replace','annotations':{'x':'y'}}}}}",
                        "/spec/template/metadata", "{'annotations':{'x':'y'}}"),
                Arguments.of("$patch delete on a map empties it",
                        "{'spec':{'template':{'metadata':{'$patch':'delete'}}}}",
                        "/spec/template/metadata", "{}"),
                Arguments.of("$deleteFromPrimitiveList removes finalizers",
                        "{'metadata':{'$deleteFromPrimitiveList/finalizers':['b']}}",
                        "/metadata/finalizers", "['a','c']"),
                Arguments.of("$setElementOrder reorders finalizers",
                        "{'metadata':{'$setElementOrder/finalizers':['c','a','b']}}",
                        "/metadata/finalizers", "['c','a','b']"),
                Arguments.of("kubectl's removal form deletes the container and keeps the order",
                        podSpec("{'$setElementOrder/containers':[{'name':'web'}],'containers':[{'name':'sidecar','$patch':'delete'}]}"),
                        "/spec/template/spec/containers/1", null),
                Arguments.of("finalizers are merged as a union",
                        "{'metadata':{'finalizers':['c','d']}}",
                        "/metadata/finalizers", "['a','b','c','d']"),
                Arguments.of("a null label deletes it and others are merged",
                        "{'metadata':{'labels':{'tier':null,'env':'prod'}}}",
                        "/metadata/labels", "{'app':'web','env':'prod'}"),
                Arguments.of("tolerations are replaced",
                        podSpec("{'tolerations':[{'key':'c','operator':'Exists'}]}"),
                        "/spec/template/spec/tolerations", "[{'key':'c','operator':'Exists'}]"),
                Arguments.of("a null field is deleted",
                        "{'spec':{'replicas':null}}", "/spec/replicas", null),
                Arguments.of("a directive inside a new field does not leak",
                        podSpec("{'initContainers':[{'name':'init','image':'x','env':[{'name':'Z','$patch':'delete'}]}]}"),
                        "/spec/template/spec/initContainers", "[{'name':'init','image':'x','env':[]}]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("patches")
    void patchesDeployment(String name, String patch, String pointer, String expected) {
        JsonNode result = StrategicMergePatch.apply(json(DEPLOYMENT), json(patch), Deployment.class);
        if (expected == null) {
            assertThat(result.at(pointer).isMissingNode()).as(pointer + " removed").isTrue();
        } else {
            assertThat(result.at(pointer)).isEqualTo(json(expected));
        }
        assertThat(directiveIn(result)).isNull();
    }

    @Test
    void appliesKubectlClientSideApplyPatch() {
        JsonNode live = json("""
                {'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'default'},
                 'spec':{'replicas':1,'template':{'spec':{'containers':[{'name':'web','image':'nginx:1.25'}]}}}}""");
        JsonNode patch = KubeJsonText.read("""
                {"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{…}\\n"}},
                 "spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"image":"nginx:1.27","name":"web"}]}}}}""");
        JsonNode result = StrategicMergePatch.apply(live, patch, Deployment.class);
        assertThat(result).isEqualTo(json("""
                {'apiVersion':'apps/v1','kind':'Deployment',
                 'metadata':{'name':'web','namespace':'default',
                   'annotations':{'kubectl.kubernetes.io/last-applied-configuration':'{…}\\n'}},
                 'spec':{'replicas':1,'template':{'spec':{'containers':[{'name':'web','image':'nginx:1.27'}]}}}}"""));
    }

    @Test
    void neverMutatesInputs() {
        JsonNode target = json(DEPLOYMENT);
        JsonNode patch = json(podSpec("{'$setElementOrder/containers':[{'name':'sidecar'},{'name':'web'}],"
                + "'containers':[{'name':'web','image':'nginx:1.27'},{'name':'sidecar','$patch':'delete'}]}"));
        JsonNode patchCopy = patch.deepCopy();
        StrategicMergePatch.apply(target, patch, Deployment.class);
        assertThat(target).isEqualTo(json(DEPLOYMENT));
        assertThat(patch).isEqualTo(patchCopy);
    }

    @Test
    void customResourceListsAreReplaced() {
        JsonNode result = StrategicMergePatch.apply(json("{'spec':{'items':[{'name':'a'}],'m':{'x':1}}}"),
                json("{'spec':{'items':[{'name':'b'}],'m':{'y':2}}}"), null);
        assertThat(result).isEqualTo(json("{'spec':{'items':[{'name':'b'}],'m':{'x':1,'y':2}}}"));
    }

    static Stream<Arguments> badPatches() {
        return Stream.of(
                Arguments.of("patch is not an object", "[1]"),
                Arguments.of("list element lacks its merge key", podSpec("{'containers':[{'image':'x'}]}")),
                Arguments.of("deleted list element lacks its merge key", podSpec("{'containers':[{'$patch':'delete'}]}")),
                Arguments.of("unknown $patch value", "{'spec':{'$patch':'explode'}}"),
                Arguments.of("$retainKeys is not a list", podSpec("{'volumes':[{'name':'cache','$retainKeys':'name'}]}")),
                Arguments.of("$deleteFromPrimitiveList is not a list", "{'metadata':{'$deleteFromPrimitiveList/finalizers':'a'}}"),
                Arguments.of("$setElementOrder is not a list", podSpec("{'$setElementOrder/containers':{}}")));
    }

    @ParameterizedTest(name = "{0} is a 400 BadRequest")
    @MethodSource("badPatches")
    void rejectsMalformedPatch(String name, String patch) {
        assertThatThrownBy(() -> StrategicMergePatch.apply(json(DEPLOYMENT), json(patch), Deployment.class))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(400));
    }

    /** Strict JSON, for bodies copied verbatim from the wire. */
    private static final class KubeJsonText {
        static JsonNode read(String text) {
            return io.capstan.api.json.KubeJson.read(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }
}
