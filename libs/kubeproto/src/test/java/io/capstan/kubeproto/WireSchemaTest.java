package io.capstan.kubeproto;

import com.google.protobuf.Descriptors.Descriptor;
import io.fabric8.kubernetes.api.model.PersistentVolumeSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Volume;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class WireSchemaTest {
    private final WireSchema schema = WireSchema.INSTANCE;

    @Test
    void everyStableKindOfTheProtoJarMapsOntoFabric8WithoutGuessedNames() {
        assertThat(schema.unmappableKinds()).isEmpty();
        assertThat(schema.servedKinds()).containsOnlyKeys("v1", "apps/v1", "batch/v1", "autoscaling/v1",
                "policy/v1", "storage.k8s.io/v1", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1",
                "scheduling.k8s.io/v1");
    }

    @ParameterizedTest(name = "{1} in {0} is a known kind")
    @CsvSource({
            "v1, Pod", "v1, Secret", "v1, ConfigMapList", "v1, DeleteOptions", "apps/v1, DeleteOptions",
            "apps/v1, Deployment", "batch/v1, Job", "batch/v1, CronJob", "autoscaling/v1, HorizontalPodAutoscaler",
            "policy/v1, Eviction", "policy/v1, PodDisruptionBudget", "storage.k8s.io/v1, CSINode",
            "storage.k8s.io/v1, StorageClass", "networking.k8s.io/v1, Ingress", "rbac.authorization.k8s.io/v1, Role",
            "scheduling.k8s.io/v1, PriorityClass"})
    void builtInKindsResolveToTheirMessage(String apiVersion, String kind) {
        assertThat(schema.kind(apiVersion, kind)).isNotNull()
                .extracting(k -> k.descriptor().getName()).isEqualTo(kind);
    }

    @ParameterizedTest(name = "{1} in {0} is not served")
    @CsvSource({"v1, PodSpec", "apps/v1, Pod", "example.com/v1, Widget", "v1, ObjectMeta", "v1, ObjectReference",
            "apps/v1beta1, Deployment", "batch/v1beta1, CronJob", "example.com/v1, DeleteOptions",
            // newer than client-java-proto 24.0.0, or without a fabric8 model on the classpath
            "coordination.k8s.io/v1, Lease", "discovery.k8s.io/v1, EndpointSlice",
            "autoscaling/v2, HorizontalPodAutoscaler", "apiextensions.k8s.io/v1, CustomResourceDefinition",
            "authentication.k8s.io/v1, TokenReview", "authorization.k8s.io/v1, SubjectAccessReview"})
    void messagesThatAreNotServedKindsDoNotResolve(String apiVersion, String kind) {
        assertThat(schema.kind(apiVersion, kind)).isNull();
    }

    @ParameterizedTest(name = "{0}.{1} is an inlined Go struct")
    @CsvSource({"Probe, handler", "Volume, volumeSource", "PersistentVolumeSpec, persistentVolumeSource",
            "SecretKeySelector, localObjectReference"})
    void embeddedGoStructsAreRecognisedFromTheFabric8Properties(String message, String field) {
        Class<?> model = switch (message) {
            case "Probe" -> Probe.class;
            case "Volume" -> Volume.class;
            case "PersistentVolumeSpec" -> PersistentVolumeSpec.class;
            default -> SecretKeySelector.class;
        };
        Descriptor d = schema.message("k8s.io.api.core.v1." + message);

        WireSchema.Field f = schema.spec(d, model).fields().stream()
                .filter(x -> x.proto().getName().equals(field)).findFirst().orElseThrow();

        assertThat(f.inline()).isTrue();
        assertThat(f.json()).isNull();
    }

    @Test
    void protoNamesThatDifferFromTheJsonNameTakeFabric8sSpelling() {
        Descriptor d = schema.message("k8s.io.api.networking.v1.IngressClassParametersReference");

        assertThat(schema.spec(d, io.fabric8.kubernetes.api.model.networking.v1.IngressClassParametersReference.class)
                .fields()).anySatisfy(f -> {
                    assertThat(f.proto().getName()).isEqualTo("aPIGroup");
                    assertThat(f.json()).isEqualTo("apiGroup");
                });
    }
}
