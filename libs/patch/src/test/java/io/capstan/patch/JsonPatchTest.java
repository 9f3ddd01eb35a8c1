package io.capstan.patch;

import static io.capstan.patch.TestJson.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.capstan.api.status.ApiException;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

class JsonPatchTest {

    static Stream<Arguments> operations() {
        return Stream.of(
                Arguments.of("add sets an object member", "{'a':1}", "[{'op':'add','path':'/b','value':2}]", "{'a':1,'b':2}"),
                Arguments.of("add replaces an existing member", "{'a':1}", "[{'op':'add','path':'/a','value':[1]}]", "{'a':[1]}"),
                Arguments.of("add inserts into an array", "{'a':[1,3]}", "[{'op':'add','path':'/a/1','value':2}]", "{'a':[1,2,3]}"),
                Arguments.of("add with - appends", "{'a':[1]}", "[{'op':'add','path':'/a/-','value':2}]", "{'a':[1,2]}"),
                Arguments.of("add at the array end index appends", "{'a':[1]}", "[{'op':'add','path':'/a/1','value':2}]", "{'a':[1,2]}"),
                Arguments.of("add at the root replaces the document", "{'a':1}", "[{'op':'add','path':'','value':{'b':2}}]", "{'b':2}"),
                Arguments.of("remove deletes a member", "{'a':1,'b':2}", "[{'op':'remove','path':'/a'}]", "{'b':2}"),
                Arguments.of("remove deletes an array element", "{'a':[1,2,3]}", "[{'op':'remove','path':'/a/1'}]", "{'a':[1,3]}"),
                Arguments.of("replace changes a value", "{'a':{'b':1}}", "[{'op':'replace','path':'/a/b','value':'x'}]", "{'a':{'b':'x'}}"),
                Arguments.of("replace changes an array element", "{'a':[1,2]}", "[{'op':'replace','path':'/a/0','value':9}]", "{'a':[9,2]}"),
                Arguments.of("move relocates a value", "{'a':{'b':1},'c':{}}", "[{'op':'move','from':'/a/b','path':'/c/d'}]", "{'a':{},'c':{'d':1}}"),
                Arguments.of("copy duplicates a value", "{'a':[1]}", "[{'op':'copy','from':'/a','path':'/b'}]", "{'a':[1],'b':[1]}"),
                Arguments.of("test passes on an equal value", "{'a':{'b':[1,2]}}", "[{'op':'test','path':'/a','value':{'b':[1,2]}}]", "{'a':{'b':[1,2]}}"),
                Arguments.of("test compares numbers by value", "{'a':1}", "[{'op':'test','path':'/a','value':1.0}]", "{'a':1}"),
                Arguments.of("~1 escapes a slash", "{'metadata':{'labels':{'app.kubernetes.io/name':'x'}}}",
                        "[{'op':'replace','path':'/metadata/labels/app.kubernetes.io~1name','value':'y'}]",
                        "{'metadata':{'labels':{'app.kubernetes.io/name':'y'}}}"),
                Arguments.of("~0 escapes a tilde", "{'a~b':1}", "[{'op':'remove','path':'/a~0b'}]", "{}"),
                Arguments.of("operations apply in order", "{}",
                        "[{'op':'add','path':'/a','value':[]},{'op':'add','path':'/a/-','value':1},{'op':'test','path':'/a/0','value':1}]",
                        "{'a':[1]}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("operations")
    void appliesOperation(String name, String target, String ops, String expected) {
        assertThat(JsonPatch.apply(json(target), json(ops))).isEqualTo(json(expected));
    }

    static Stream<Arguments> malformedPatches() {
        return Stream.of(
                Arguments.of("patch is not an array", "{'op':'add','path':'/a','value':1}"),
                Arguments.of("operation is not an object", "[1]"),
                Arguments.of("op is unknown", "[{'op':'frobnicate','path':'/a'}]"),
                Arguments.of("op is missing", "[{'path':'/a'}]"),
                Arguments.of("path is missing", "[{'op':'remove'}]"),
                Arguments.of("path lacks the leading slash", "[{'op':'remove','path':'a'}]"),
                Arguments.of("path has a bad escape", "[{'op':'remove','path':'/a~2'}]"),
                Arguments.of("add lacks a value", "[{'op':'add','path':'/a'}]"),
                Arguments.of("move lacks from", "[{'op':'move','path':'/a'}]"));
    }

    @ParameterizedTest(name = "{0} is a 400 BadRequest")
    @MethodSource("malformedPatches")
    void rejectsMalformedPatchWithBadRequest(String name, String ops) {
        assertThatThrownBy(() -> JsonPatch.apply(json("{'a':1}"), json(ops)))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.reason()).isEqualTo("BadRequest");
                });
    }

    static Stream<Arguments> inapplicableOperations() {
        return Stream.of(
                Arguments.of("remove of a missing member", "[{'op':'remove','path':'/nope'}]", "path /nope does not exist"),
                Arguments.of("replace of a missing member", "[{'op':'replace','path':'/nope','value':1}]", "path /nope does not exist"),
                Arguments.of("add under a missing parent", "[{'op':'add','path':'/x/y','value':1}]", "parent of path /x/y does not exist"),
                Arguments.of("add past the array end", "[{'op':'add','path':'/list/5','value':1}]", "out of bounds"),
                Arguments.of("a failed test", "[{'op':'test','path':'/a','value':2}]", "testing value /a failed"),
                Arguments.of("move into its own child", "[{'op':'move','from':'/obj','path':'/obj/inner'}]", "into its own child"),
                Arguments.of("copy from a missing member", "[{'op':'copy','from':'/nope','path':'/b'}]", "path /nope does not exist"));
    }

    @ParameterizedTest(name = "{0} is a 422 Invalid")
    @MethodSource("inapplicableOperations")
    void rejectsInapplicableOperationWithInvalid(String name, String ops, String detail) {
        assertThatThrownBy(() -> JsonPatch.apply(json("{'a':1,'list':[1],'obj':{}}"), json(ops)))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(422);
                    assertThat(e.reason()).isEqualTo("Invalid");
                    assertThat(e.getMessage())
                            .startsWith("the server rejected our request due to an error in our request")
                            .contains(detail);
                });
    }

    @Test
    void failedOperationLeavesTargetUntouched() {
        JsonNode target = json("{'a':1}");
        assertThatThrownBy(() -> JsonPatch.apply(target, json("[{'op':'add','path':'/b','value':2},{'op':'test','path':'/a','value':3}]")))
                .isInstanceOf(ApiException.class);
        assertThat(target).isEqualTo(json("{'a':1}"));
    }

    @Test
    void neverMutatesTargetOrValues() {
        JsonNode target = json("{'a':{'b':1}}");
        JsonNode ops = json("[{'op':'add','path':'/c','value':{'d':1}},{'op':'add','path':'/c/e','value':2}]");
        JsonNode result = JsonPatch.apply(target, ops);
        assertThat(result).isEqualTo(json("{'a':{'b':1},'c':{'d':1,'e':2}}"));
        assertThat(target).isEqualTo(json("{'a':{'b':1}}"));
        assertThat(ops.get(0).get("value")).isEqualTo(json("{'d':1}"));
    }
}
