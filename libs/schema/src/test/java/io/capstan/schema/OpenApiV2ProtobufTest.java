package io.capstan.schema;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.capstan.api.registry.ResourceRegistry;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

class OpenApiV2ProtobufTest {
    private static final String DEPLOYMENT = "/apis/apps/v1/namespaces/{namespace}/deployments/{name}";

    private final ResourceRegistry registry = ResourceRegistry.withBuiltins();
    private final OpenApiV3 v3 = new OpenApiV3(registry);

    @Test
    void deploymentPatchOperationAdvertisesGvkAndFieldValidation() throws IOException {
        byte[] bytes = OpenApiV2Protobuf.encode(v3);
        // kept for checking against a real kubectl by hand
        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target/openapi-v2.pb"), bytes);

        Wire doc = Wire.parse(bytes);
        assertThat(doc.string(1)).isEqualTo("2.0");
        Wire patch = pathItem(doc, DEPLOYMENT).message(8);
        assertThat(patch.string(5)).isEqualTo("patchAppsV1NamespacedDeployment");
        assertThat(extensions(patch, 13)).containsEntry("x-kubernetes-group-version-kind",
                "group: apps\nkind: Deployment\nversion: v1\n").containsEntry("x-kubernetes-action", "patch\n");
        assertThat(queryParameterNames(patch)).contains("fieldValidation", "dryRun", "fieldManager", "force");
        assertThat(patch.strings(7)).containsExactly("application/json-patch+json", "application/merge-patch+json",
                "application/strategic-merge-patch+json", "application/apply-patch+yaml");
        assertThat(patch.strings(6)).contains("application/json");

        Wire itemPath = pathItem(doc, DEPLOYMENT);
        List<String> pathParams = new ArrayList<>();
        for (Wire item : itemPath.messages(9)) {
            Wire path = item.message(1).message(2).message(4);
            if (path != null) {
                assertThat(path.string(2)).isEqualTo("path");
                assertThat(path.bool(1)).isTrue();
                pathParams.add(path.string(4));
            }
        }
        assertThat(pathParams).containsExactly("name", "namespace");

        Wire body = patch.messages(8).stream().map(p -> p.message(1)).filter(p -> p.message(1) != null).map(p -> p.message(1))
                .findFirst().orElseThrow();
        assertThat(body.string(3)).isEqualTo("body");
        assertThat(body.message(5).string(1)).isEqualTo("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch");

        Wire ok = patch.message(9).messages(1).stream().filter(r -> r.string(1).equals("200")).findFirst().orElseThrow();
        // NamedResponseValue.value → ResponseValue.response → Response.schema → SchemaItem.schema
        assertThat(ok.message(2).message(1).message(2).message(1).string(1))
                .isEqualTo("#/definitions/io.k8s.api.apps.v1.Deployment");
    }

    @Test
    void everyPatchOperationWithAGvkListsFieldValidation() {
        // kubectl decides from the first path whose PATCH carries the GVK, subresources included.
        Wire doc = Wire.parse(OpenApiV2Protobuf.encode(v3));
        int patches = 0;
        for (Wire named : doc.message(8).messages(2)) {
            Wire patch = named.message(2).message(8);
            if (patch != null && extensions(patch, 13).containsKey("x-kubernetes-group-version-kind")) {
                patches++;
                assertThat(queryParameterNames(patch)).as(named.string(1)).contains("fieldValidation");
            }
        }
        assertThat(patches).isGreaterThan(20);
        Wire namespacePatch = pathItem(doc, "/api/v1/namespaces/{name}").message(8);
        assertThat(extensions(namespacePatch, 13).get("x-kubernetes-group-version-kind"))
                .isEqualTo("group: \"\"\nkind: Namespace\nversion: v1\n");
    }

    @Test
    void containerDefinitionHasItsPropertiesAndPatchExtensions() {
        Map<String, Wire> definitions = definitions(Wire.parse(OpenApiV2Protobuf.encode(v3)));
        Wire container = definitions.get("io.k8s.api.core.v1.Container");
        assertThat(container.message(22).strings(1)).containsExactly("object");
        Map<String, Wire> properties = properties(container);
        assertThat(properties).containsKeys("name", "image", "command", "args", "env", "ports", "resources",
                "volumeMounts", "livenessProbe");
        assertThat(properties.get("image").message(22).strings(1)).containsExactly("string");

        Wire ports = properties.get("ports");
        assertThat(ports.message(22).strings(1)).containsExactly("array");
        assertThat(ports.message(23).messages(1)).hasSize(1);
        assertThat(ports.message(23).message(1).string(1)).isEqualTo("#/definitions/io.k8s.api.core.v1.ContainerPort");
        assertThat(extensions(ports, 31)).containsEntry("x-kubernetes-patch-merge-key", "containerPort\n")
                .containsEntry("x-kubernetes-patch-strategy", "merge\n");

        // A v3 allOf that only wraps a reference is a plain reference in v2.
        Wire resources = properties.get("resources");
        assertThat(resources.string(1)).isEqualTo("#/definitions/io.k8s.api.core.v1.ResourceRequirements");
    }

    @Test
    void kindDefinitionsCarryTheirGvkAsAYamlList() {
        Map<String, Wire> definitions = definitions(Wire.parse(OpenApiV2Protobuf.encode(v3)));
        assertThat(extensions(definitions.get("io.k8s.api.apps.v1.Deployment"), 31))
                .containsEntry("x-kubernetes-group-version-kind", "- group: apps\n  kind: Deployment\n  version: v1\n");
        assertThat(extensions(definitions.get("io.k8s.api.core.v1.Pod"), 31))
                .containsEntry("x-kubernetes-group-version-kind", "- group: \"\"\n  kind: Pod\n  version: v1\n");
        assertThat(definitions.get("io.k8s.apimachinery.pkg.util.intstr.IntOrString").string(2))
                .isEqualTo("int-or-string");
    }

    @Test
    void everySchemaIsOneKubectlsParserAccepts() {
        Map<String, Wire> definitions = definitions(Wire.parse(OpenApiV2Protobuf.encode(v3)));
        List<String> problems = new ArrayList<>();
        definitions.forEach((name, schema) -> walk(schema, s -> {
            String ref = s.string(1);
            Wire type = s.message(22);
            if (!ref.isEmpty()) {
                if (!ref.startsWith("#/definitions/") || !definitions.containsKey(ref.substring(14))) {
                    problems.add(name + ": dangling " + ref);
                }
                if (type != null || s.message(25) != null) {
                    problems.add(name + ": reference with siblings " + ref);
                }
            }
            if (type != null && type.strings(1).equals(List.of("array"))
                    && (s.message(23) == null || s.message(23).messages(1).size() != 1)) {
                problems.add(name + ": array without exactly one item schema");
            }
        }));
        assertThat(problems).isEmpty();
    }

    @Test
    void customResourcesAppearAndTheCacheFollowsThem() {
        byte[] before = OpenApiV2Protobuf.encode(v3);
        assertThat(OpenApiV2Protobuf.encode(v3)).isEqualTo(before);
        registry.register(CronTabs.TYPE);
        byte[] after = OpenApiV2Protobuf.encode(v3);
        assertThat(after).isNotEqualTo(before);

        Wire doc = Wire.parse(after);
        Wire crontab = definitions(doc).get("com.example.stable.v1.CronTab");
        assertThat(extensions(crontab, 31)).containsEntry("x-kubernetes-group-version-kind",
                "- group: stable.example.com\n  kind: CronTab\n  version: v1\n");
        Map<String, Wire> spec = properties(properties(crontab).get("spec"));
        assertThat(spec).containsKeys("cronSpec", "image", "replicas", "ports");
        assertThat(extensions(spec.get("config"), 31)).containsEntry("x-kubernetes-preserve-unknown-fields", "true\n");
        Wire patch = pathItem(doc, "/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}").message(8);
        assertThat(queryParameterNames(patch)).contains("fieldValidation");
        assertThat(patch.strings(7)).doesNotContain("application/strategic-merge-patch+json");

        registry.unregister("stable.example.com", "crontabs");
        assertThat(OpenApiV2Protobuf.encode(v3)).isEqualTo(before);
    }

    @Test
    void yamlOfExtensionValues() {
        var node = io.capstan.api.json.KubeJson.read("""
                {"a":[{"b":"x y","c":true},"yes"],"d":{},"e":[1,2],"f":"on"}"""
                .getBytes(StandardCharsets.UTF_8));
        assertThat(OpenApiV2Protobuf.yaml(node)).isEqualTo("""
                a:
                  - b: "x y"
                    c: true
                  - "yes"
                d: {}
                e:
                  - 1
                  - 2
                f: "on"
                """);
    }

    // ---- navigation ----

    private static Wire pathItem(Wire doc, String path) {
        return doc.message(8).messages(2).stream().filter(p -> p.string(1).equals(path)).findFirst()
                .orElseThrow(() -> new AssertionError("no path " + path)).message(2);
    }

    private static List<String> queryParameterNames(Wire operation) {
        List<String> names = new ArrayList<>();
        for (Wire item : operation.messages(8)) {
            Wire query = item.message(1).message(2) == null ? null : item.message(1).message(2).message(3);
            if (query != null) {
                assertThat(query.string(2)).isEqualTo("query");
                names.add(query.string(4));
            }
        }
        return names;
    }

    private static Map<String, String> extensions(Wire message, int field) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Wire named : message.messages(field)) {
            out.put(named.string(1), named.message(2).string(2));
        }
        return out;
    }

    private static Map<String, Wire> definitions(Wire doc) {
        Map<String, Wire> out = new LinkedHashMap<>();
        for (Wire named : doc.message(9).messages(1)) {
            out.put(named.string(1), named.message(2));
        }
        return out;
    }

    private static Map<String, Wire> properties(Wire schema) {
        Map<String, Wire> out = new LinkedHashMap<>();
        for (Wire named : schema.message(25).messages(1)) {
            out.put(named.string(1), named.message(2));
        }
        return out;
    }

    private static void walk(Wire schema, Consumer<Wire> visit) {
        visit.accept(schema);
        if (schema.message(25) != null) {
            properties(schema).values().forEach(s -> walk(s, visit));
        }
        if (schema.message(23) != null) {
            schema.message(23).messages(1).forEach(s -> walk(s, visit));
        }
        if (schema.message(21) != null && schema.message(21).message(1) != null) {
            walk(schema.message(21).message(1), visit);
        }
        schema.messages(24).forEach(s -> walk(s, visit));
    }

    /** A decoded message: each field number's values, varints as Long and length-delimited as bytes. */
    private record Wire(Map<Integer, List<Object>> fields) {
        static Wire parse(byte[] bytes) {
            Map<Integer, List<Object>> fields = new LinkedHashMap<>();
            try {
                CodedInputStream in = CodedInputStream.newInstance(bytes);
                for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                    Object value = switch (WireFormat.getTagWireType(tag)) {
                        case WireFormat.WIRETYPE_VARINT -> in.readInt64();
                        case WireFormat.WIRETYPE_LENGTH_DELIMITED -> in.readByteArray();
                        case WireFormat.WIRETYPE_FIXED64 -> in.readFixed64();
                        case WireFormat.WIRETYPE_FIXED32 -> (long) in.readFixed32();
                        default -> throw new AssertionError("unexpected wire type in tag " + tag);
                    };
                    fields.computeIfAbsent(WireFormat.getTagFieldNumber(tag), k -> new ArrayList<>()).add(value);
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            return new Wire(fields);
        }

        String string(int field) {
            List<Object> values = fields.get(field);
            return values == null ? "" : new String((byte[]) values.get(values.size() - 1), StandardCharsets.UTF_8);
        }

        List<String> strings(int field) {
            return fields.getOrDefault(field, List.of()).stream()
                    .map(v -> new String((byte[]) v, StandardCharsets.UTF_8)).toList();
        }

        boolean bool(int field) {
            List<Object> values = fields.get(field);
            return values != null && (Long) values.get(values.size() - 1) != 0;
        }

        Wire message(int field) {
            List<Object> values = fields.get(field);
            return values == null ? null : parse((byte[]) values.get(values.size() - 1));
        }

        List<Wire> messages(int field) {
            return fields.getOrDefault(field, List.of()).stream().map(v -> parse((byte[]) v)).toList();
        }
    }
}
