package io.capstan.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.capstan.api.registry.ResourceRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class OpenApiV3Test {
    private static final String DEPLOYMENT = "/apis/apps/v1/namespaces/{namespace}/deployments/{name}";

    private final ResourceRegistry registry = ResourceRegistry.withBuiltins();
    private final OpenApiV3 openApi = new OpenApiV3(registry);

    @Test
    void indexListsEveryServedGroupVersionWithAHashedUrl() {
        JsonNode paths = openApi.index().path("paths");
        assertThat(paths.has("api/v1")).isTrue();
        assertThat(paths.has("apis/apps/v1")).isTrue();
        assertThat(paths.has("apis/networking.istio.io/v1")).isTrue();
        assertThat(paths.has("apis/networking.istio.io/v1alpha3")).isTrue();
        assertThat(paths.path("apis/apps/v1").path("serverRelativeURL").asText())
                .matches("/openapi/v3/apis/apps/v1\\?hash=[0-9A-F]{128}");
    }

    @Test
    void hashIsStableAcrossInstancesAndMatchesTheDocumentBytes() {
        String first = openApi.index().at("/paths/api~1v1/serverRelativeURL").asText();
        String second = new OpenApiV3(ResourceRegistry.withBuiltins()).index().at("/paths/api~1v1/serverRelativeURL").asText();
        assertThat(first).isEqualTo(second).endsWith("hash=" + openApi.hash("api/v1").orElseThrow());
    }

    @Test
    void deploymentPatchOperationMakesKubectlTrustServerSideFieldValidation() {
        JsonNode patch = document("apis/apps/v1").path("paths").path(DEPLOYMENT).path("patch");
        assertThat(patch.path("x-kubernetes-group-version-kind").toString())
                .isEqualTo("{\"group\":\"apps\",\"kind\":\"Deployment\",\"version\":\"v1\"}");
        assertThat(patch.path("x-kubernetes-action").asText()).isEqualTo("patch");
        assertThat(parameterNames(patch)).contains("fieldValidation", "dryRun", "fieldManager", "force");
        assertThat(fieldNames(patch.at("/requestBody/content"))).containsExactly("application/json-patch+json",
                "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml");
        assertThat(patch.path("operationId").asText()).isEqualTo("patchAppsV1NamespacedDeployment");
    }

    @ParameterizedTest(name = "{0} {1} is {2}")
    @CsvSource({
            "/api/v1/namespaces/{namespace}/pods, get, list",
            "/api/v1/namespaces/{namespace}/pods, post, post",
            "/api/v1/namespaces/{namespace}/pods, delete, deletecollection",
            "/api/v1/namespaces/{namespace}/pods/{name}, get, get",
            "/api/v1/namespaces/{namespace}/pods/{name}, put, put",
            "/api/v1/namespaces/{namespace}/pods/{name}, patch, patch",
            "/api/v1/namespaces/{namespace}/pods/{name}, delete, delete",
            "/api/v1/pods, get, list",
            "/api/v1/namespaces/{namespace}/pods/{name}/status, patch, patch",
            "/api/v1/nodes, get, list",
            "/api/v1/nodes/{name}, patch, patch",
            "/api/v1/namespaces/{name}, get, get",
    })
    void coreV1PathsCarryTheirAction(String path, String method, String action) {
        JsonNode op = document("api/v1").path("paths").path(path).path(method);
        assertThat(op.path("x-kubernetes-action").asText()).isEqualTo(action);
        assertThat(op.path("x-kubernetes-group-version-kind").path("version").asText()).isEqualTo("v1");
    }

    @Test
    void clusterScopedResourcesHaveNoNamespacedPaths() {
        JsonNode paths = document("api/v1").path("paths");
        assertThat(paths.has("/api/v1/namespaces/{namespace}/nodes")).isFalse();
        assertThat(paths.has("/api/v1/nodes/{name}/status")).isTrue();
    }

    @Test
    void scaleSubresourceSpeaksAutoscalingV1Scale() {
        JsonNode doc = document("apis/apps/v1");
        JsonNode patch = doc.path("paths").path(DEPLOYMENT + "/scale").path("patch");
        assertThat(patch.path("x-kubernetes-group-version-kind").toString())
                .isEqualTo("{\"group\":\"autoscaling\",\"kind\":\"Scale\",\"version\":\"v1\"}");
        assertThat(doc.at("/components/schemas/io.k8s.api.autoscaling.v1.Scale/x-kubernetes-group-version-kind/0/kind").asText())
                .isEqualTo("Scale");
    }

    @ParameterizedTest(name = "{0} schema {1} carries its GVK")
    @CsvSource({
            "apis/apps/v1, io.k8s.api.apps.v1.Deployment, apps, Deployment",
            "apis/apps/v1, io.k8s.api.apps.v1.DeploymentList, apps, DeploymentList",
            "api/v1, io.k8s.api.core.v1.Pod, '', Pod",
            "apis/networking.istio.io/v1, io.istio.networking.v1.VirtualService, networking.istio.io, VirtualService",
    })
    void kindSchemasCarryTheirGroupVersionKind(String gv, String schema, String group, String kind) {
        JsonNode gvk = document(gv).path("components").path("schemas").path(schema).path("x-kubernetes-group-version-kind");
        assertThat(gvk.size()).isEqualTo(1);
        assertThat(gvk.get(0).path("group").asText()).isEqualTo(group);
        assertThat(gvk.get(0).path("kind").asText()).isEqualTo(kind);
    }

    @Test
    void apiV1DocumentHasPodSpecWithPatchExtensions() {
        JsonNode containers = document("api/v1").at("/components/schemas/io.k8s.api.core.v1.PodSpec/properties/containers");
        assertThat(containers.path("x-kubernetes-patch-merge-key").asText()).isEqualTo("name");
    }

    @ParameterizedTest(name = "every operation and reference of {0} is complete")
    @MethodSource("servedGroupVersions")
    void everyPatchOperationListsFieldValidationAndEveryReferenceResolves(String gv) {
        ObjectNode doc = document(gv);
        doc.path("paths").forEach(item -> item.fields().forEachRemaining(op -> {
            if (!op.getKey().equals("parameters")) {
                assertThat(op.getValue().has("x-kubernetes-group-version-kind")).as(op.getKey()).isTrue();
            }
            if (List.of("patch", "put", "post").contains(op.getKey())) {
                assertThat(parameterNames(op.getValue())).contains("fieldValidation");
            }
        }));
        List<String> refs = new ArrayList<>();
        ModelSchemasTest.collectRefs(doc, refs);
        JsonNode schemas = doc.path("components").path("schemas");
        assertThat(refs.stream().map(ref -> ref.substring(ModelSchemas.REF_PREFIX.length()))
                .filter(name -> !schemas.has(name)).distinct().toList()).isEmpty();
    }

    static Stream<String> servedGroupVersions() {
        List<String> all = new ArrayList<>();
        ResourceRegistry.withBuiltins().groups().forEach((g, versions) ->
                versions.forEach(v -> all.add(OpenApiV3.gvPath(g, v))));
        return all.stream();
    }

    @Test
    void customResourceDocumentIsBuiltFromTheCrdSchema() {
        registry.register(CronTabs.TYPE);
        assertThat(openApi.index().path("paths").has("apis/stable.example.com/v1")).isTrue();
        ObjectNode doc = document("apis/stable.example.com/v1");

        JsonNode patch = doc.path("paths").path("/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}").path("patch");
        assertThat(patch.path("x-kubernetes-group-version-kind").path("kind").asText()).isEqualTo("CronTab");
        assertThat(parameterNames(patch)).contains("fieldValidation");
        assertThat(fieldNames(patch.at("/requestBody/content"))).containsExactly("application/json-patch+json",
                "application/merge-patch+json", "application/apply-patch+yaml");

        JsonNode schema = doc.at("/components/schemas/com.example.stable.v1.CronTab");
        assertThat(schema.at("/x-kubernetes-group-version-kind/0/group").asText()).isEqualTo("stable.example.com");
        assertThat(schema.at("/properties/spec/properties/cronSpec/type").asText()).isEqualTo("string");
        assertThat(schema.at("/properties/metadata/$ref").asText())
                .isEqualTo("#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
        assertThat(doc.at("/components/schemas/com.example.stable.v1.CronTabList/x-kubernetes-group-version-kind/0/kind").asText())
                .isEqualTo("CronTabList");
        assertThat(doc.path("paths").has("/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}/scale")).isTrue();
    }

    @Test
    void registeringACustomResourceLeavesOtherDocumentsAndHashesAlone() {
        String before = openApi.hash("apis/apps/v1").orElseThrow();
        registry.register(CronTabs.TYPE);
        assertThat(openApi.hash("apis/apps/v1")).contains(before);
        registry.unregister("stable.example.com", "crontabs");
        assertThat(openApi.document("apis/stable.example.com/v1")).isEmpty();
        assertThat(openApi.index().path("paths").has("apis/stable.example.com/v1")).isFalse();
    }

    @Test
    void changingACrdSchemaRebuildsItsDocumentWithANewHash() {
        registry.register(CronTabs.TYPE);
        String before = openApi.hash("apis/stable.example.com/v1").orElseThrow();
        ObjectNode changed = CronTabs.TYPE.crdVersion().deepCopy();
        ((ObjectNode) changed.at("/schema/openAPIV3Schema/properties/spec/properties")).putObject("suspend").put("type", "boolean");
        registry.register(new io.capstan.api.registry.ResourceType(CronTabs.TYPE.group(), "v1", "CronTab", "crontabs",
                "crontab", CronTabs.TYPE.scope(), List.of(), List.of(), CronTabs.TYPE.subresources(), null, "v1", changed));
        assertThat(openApi.hash("apis/stable.example.com/v1")).isPresent().get().isNotEqualTo(before);
        assertThat(document("apis/stable.example.com/v1")
                .at("/components/schemas/com.example.stable.v1.CronTab/properties/spec/properties/suspend/type").asText())
                .isEqualTo("boolean");
    }

    @ParameterizedTest(name = "{0} has no document")
    @CsvSource({"api/v2", "apis/apps/v9", "apis/nope.example.com/v1", "apis", "apis//v1", "openapi/v2"})
    void unservedGroupVersionsHaveNoDocument(String gv) {
        assertThat(openApi.document(gv)).isEmpty();
    }

    @Test
    void documentsAreTheCallersOwnCopies() {
        document("apis/apps/v1").removeAll();
        assertThat(document("apis/apps/v1").path("paths").has(DEPLOYMENT)).isTrue();
    }

    private ObjectNode document(String gv) {
        return openApi.document(gv).orElseThrow();
    }

    private static List<String> parameterNames(JsonNode op) {
        List<String> names = new ArrayList<>();
        op.path("parameters").forEach(p -> names.add(p.path("name").asText()));
        return names;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
