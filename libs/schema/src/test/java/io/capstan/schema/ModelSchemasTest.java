package io.capstan.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class ModelSchemasTest {

    static Stream<Arguments> componentNames() {
        return Stream.of(
                Arguments.of(Pod.class, "io.k8s.api.core.v1.Pod"),
                Arguments.of(PodSpec.class, "io.k8s.api.core.v1.PodSpec"),
                Arguments.of(ObjectMeta.class, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"),
                Arguments.of(Deployment.class, "io.k8s.api.apps.v1.Deployment"),
                Arguments.of(CronJob.class, "io.k8s.api.batch.v1.CronJob"),
                Arguments.of(StorageClass.class, "io.k8s.api.storage.v1.StorageClass"),
                Arguments.of(io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler.class,
                        "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler"),
                Arguments.of(CustomResourceDefinition.class,
                        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition"),
                Arguments.of(Quantity.class, "io.k8s.apimachinery.pkg.api.resource.Quantity"),
                Arguments.of(IntOrString.class, "io.k8s.apimachinery.pkg.util.intstr.IntOrString"),
                Arguments.of(io.fabric8.istio.api.networking.v1.VirtualService.class, "io.istio.networking.v1.VirtualService"),
                Arguments.of(io.fabric8.istio.api.api.networking.v1alpha3.HTTPRoute.class,
                        "istio.networking.v1alpha3.HTTPRoute"));
    }

    @ParameterizedTest(name = "{0} is named {1}")
    @MethodSource
    void componentNames(Class<?> model, String expected) {
        assertThat(ModelSchemas.componentName(model)).isEqualTo(expected);
    }

    @Test
    void podSpecContainersMergeByName() {
        JsonNode containers = ModelSchemas.schema(PodSpec.class).at("/properties/containers");
        assertThat(containers.path("type").asText()).isEqualTo("array");
        assertThat(containers.path("items").path("$ref").asText()).isEqualTo("#/components/schemas/io.k8s.api.core.v1.Container");
        assertThat(containers.path("x-kubernetes-patch-merge-key").asText()).isEqualTo("name");
        assertThat(containers.path("x-kubernetes-patch-strategy").asText()).isEqualTo("merge");
        assertThat(containers.path("x-kubernetes-list-type").asText()).isEqualTo("map");
        assertThat(containers.path("x-kubernetes-list-map-keys").toString()).isEqualTo("[\"name\"]");
    }

    @Test
    void podSpecVolumesMergeByNameRetainingKeys() {
        JsonNode volumes = ModelSchemas.schema(PodSpec.class).at("/properties/volumes");
        assertThat(volumes.path("x-kubernetes-patch-strategy").asText()).isEqualTo("merge,retainKeys");
    }

    @Test
    void containerPortsMergeByContainerPortWithProtocolAsApplyKey() {
        JsonNode ports = ModelSchemas.schema(Container.class).at("/properties/ports");
        assertThat(ports.path("x-kubernetes-patch-merge-key").asText()).isEqualTo("containerPort");
        assertThat(ports.path("x-kubernetes-patch-strategy").asText()).isEqualTo("merge");
        assertThat(ports.path("x-kubernetes-list-map-keys").toString()).isEqualTo("[\"containerPort\",\"protocol\"]");
    }

    @Test
    void serviceSpecPortsMergeByPort() {
        JsonNode ports = ModelSchemas.schema(ServiceSpec.class).at("/properties/ports");
        assertThat(ports.path("x-kubernetes-patch-merge-key").asText()).isEqualTo("port");
    }

    @Test
    void deploymentStrategyWrapsItsReferenceInAllOfToCarryRetainKeys() {
        JsonNode strategy = ModelSchemas.schema(DeploymentSpec.class).at("/properties/strategy");
        assertThat(strategy.has("$ref")).isFalse();
        assertThat(strategy.at("/allOf/0/$ref").asText())
                .isEqualTo("#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy");
        assertThat(strategy.path("x-kubernetes-patch-strategy").asText()).isEqualTo("retainKeys");
    }

    @Test
    void finalizersArePrimitiveSets() {
        JsonNode finalizers = ModelSchemas.schema(ObjectMeta.class).at("/properties/finalizers");
        assertThat(finalizers.path("x-kubernetes-patch-strategy").asText()).isEqualTo("merge");
        assertThat(finalizers.path("x-kubernetes-list-type").asText()).isEqualTo("set");
        assertThat(finalizers.has("x-kubernetes-patch-merge-key")).isFalse();
    }

    static Stream<Arguments> fieldShapes() {
        return Stream.of(
                Arguments.of(DeploymentSpec.class, "/properties/replicas", "{\"type\":\"integer\",\"format\":\"int32\"}"),
                Arguments.of(PodSpec.class, "/properties/activeDeadlineSeconds", "{\"type\":\"integer\",\"format\":\"int64\"}"),
                Arguments.of(PodSpec.class, "/properties/hostNetwork", "{\"type\":\"boolean\"}"),
                Arguments.of(Container.class, "/properties/image", "{\"type\":\"string\"}"),
                Arguments.of(ObjectMeta.class, "/properties/labels",
                        "{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}}"),
                Arguments.of(ObjectMeta.class, "/properties/creationTimestamp",
                        "{\"$ref\":\"#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Time\"}"),
                Arguments.of(io.fabric8.kubernetes.api.model.ResourceRequirements.class, "/properties/limits",
                        "{\"type\":\"object\",\"additionalProperties\":{\"$ref\":\"#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity\"}}"),
                Arguments.of(io.fabric8.kubernetes.api.model.apps.RollingUpdateDeployment.class, "/properties/maxSurge",
                        "{\"$ref\":\"#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString\"}"),
                Arguments.of(io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec.class, "/properties/acquireTime",
                        "{\"$ref\":\"#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime\"}"),
                Arguments.of(io.fabric8.kubernetes.api.model.apps.ControllerRevision.class, "/properties/data",
                        "{\"x-kubernetes-preserve-unknown-fields\":true}"));
    }

    @ParameterizedTest(name = "{0}{1} is {2}")
    @MethodSource
    void fieldShapes(Class<?> owner, String pointer, String expected) {
        assertThat(ModelSchemas.schema(owner).at(pointer).toString()).isEqualTo(expected);
    }

    @Test
    void intOrStringAndQuantityAreSchemasOfTheirOwnAsInKubernetes() {
        Map<String, ObjectNode> components = ModelSchemas.components(Deployment.class);
        assertThat(components.get(ModelSchemas.INT_OR_STRING).path("x-kubernetes-int-or-string").asBoolean()).isTrue();
        assertThat(components.get(ModelSchemas.QUANTITY).path("oneOf").toString())
                .isEqualTo("[{\"type\":\"string\"},{\"type\":\"number\"}]");
        assertThat(components.get(ModelSchemas.TIME).toString()).isEqualTo("{\"type\":\"string\",\"format\":\"date-time\"}");
    }

    @Test
    void modelSchemasLeaveOutAdditionalPropertiesAndDerivedGetters() {
        ObjectNode pod = ModelSchemas.schema(Pod.class);
        List<String> names = new ArrayList<>();
        pod.path("properties").fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactlyInAnyOrder("apiVersion", "kind", "metadata", "spec", "status");
    }

    @Test
    void istioOneOfAlternativesAppearInlineInTheirParent() {
        ObjectNode stringMatch = ModelSchemas.schema(io.fabric8.istio.api.api.networking.v1alpha3.StringMatch.class);
        List<String> names = new ArrayList<>();
        stringMatch.path("properties").fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactlyInAnyOrder("exact", "prefix", "regex");
    }

    @Test
    void freeFormClassesPreserveUnknownFields() {
        ObjectNode fieldsV1 = ModelSchemas.schema(io.fabric8.kubernetes.api.model.FieldsV1.class);
        assertThat(fieldsV1.path("x-kubernetes-preserve-unknown-fields").asBoolean()).isTrue();
    }

    @ParameterizedTest(name = "every reference in the closure of {0} resolves")
    @MethodSource("roots")
    void everyReferenceInAClosureResolves(Class<?> root) {
        Map<String, ObjectNode> components = ModelSchemas.components(root);
        assertThat(components).containsKey(ModelSchemas.componentName(root));
        List<String> refs = new ArrayList<>();
        components.values().forEach(schema -> collectRefs(schema, refs));
        assertThat(refs).isNotEmpty();
        assertThat(refs.stream().map(ref -> ref.substring(ModelSchemas.REF_PREFIX.length()))
                .filter(name -> !components.containsKey(name)).distinct().toList()).isEmpty();
    }

    static Stream<Class<?>> roots() {
        return Stream.of(Pod.class, Deployment.class, CustomResourceDefinition.class,
                io.fabric8.istio.api.networking.v1.VirtualService.class,
                io.fabric8.istio.api.security.v1.AuthorizationPolicy.class);
    }

    static void collectRefs(JsonNode node, List<String> refs) {
        if (node.isObject() && node.path("$ref").isTextual()) {
            refs.add(node.get("$ref").asText());
        }
        node.forEach(child -> collectRefs(child, refs));
    }
}
