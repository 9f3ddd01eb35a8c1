package io.capstan.validation;

import io.capstan.api.registry.BuiltinResources;
import io.capstan.api.registry.ResourceType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static io.capstan.validation.Objects.yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConversionTest {
    private static final ResourceType HPA_V1 = type("autoscaling", "v1", "HorizontalPodAutoscaler");
    private static final ResourceType HPA_V2 = type("autoscaling", "v2", "HorizontalPodAutoscaler");

    private static ResourceType type(String group, String version, String kind) {
        return BuiltinResources.ALL.stream()
                .filter(t -> t.group().equals(group) && t.version().equals(version) && t.kind().equals(kind))
                .findFirst().orElseThrow();
    }

    @Test
    void cpuUtilizationMetricBecomesTargetCpuUtilizationPercentage() {
        ObjectNode v2 = Objects.defaulted("14-hpa.yaml", "HorizontalPodAutoscaler");
        ObjectNode v1 = Conversion.convert(v2, HPA_V2, HPA_V1);
        assertThat(v1.get("apiVersion").asText()).isEqualTo("autoscaling/v1");
        assertThat(v1.at("/spec/targetCPUUtilizationPercentage").asInt()).isEqualTo(50);
        assertThat(v1.at("/spec/metrics").isMissingNode()).isTrue();
        assertThat(v1.at("/metadata/annotations").isMissingNode()).isTrue();
        assertThat(Conversion.convert(v1, HPA_V1, HPA_V2)).isEqualTo(v2);
    }

    @Test
    void everyKindOfCurrentMetricSurvivesAV1RoundTrip() {
        ObjectNode v2 = yaml("""
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata: {name: h, namespace: default}
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: d}
                  maxReplicas: 10
                status:
                  currentReplicas: 3
                  desiredReplicas: 3
                  currentMetrics:
                  - type: Pods
                    pods:
                      metric: {name: requests_per_second}
                      current: {averageValue: '900'}
                  - type: Object
                    object:
                      describedObject: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: main}
                      metric: {name: hits}
                      current: {value: 2k, averageValue: '500'}
                  - type: External
                    external:
                      metric: {name: queue, selector: {matchLabels: {q: jobs}}}
                      current: {value: '30', averageValue: '10'}
                  - type: ContainerResource
                    containerResource: {name: memory, container: app, current: {averageValue: 64Mi}}
                """);
        ObjectNode v1 = Conversion.convert(v2, HPA_V2, HPA_V1);
        assertThat(v1.at("/metadata/annotations/autoscaling.alpha.kubernetes.io~1current-metrics").asText())
                .contains("\"currentAverageValue\":\"900\"").contains("\"currentValue\":\"2k\"").contains("\"metricSelector\"");
        assertThat(Conversion.convert(v1, HPA_V1, HPA_V2)).isEqualTo(v2);
    }

    @Test
    void v2OnlyFieldsSurviveAV1RoundTripInAnnotations() {
        ObjectNode v2 = yaml("""
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata: {name: h, namespace: default}
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: d}
                  minReplicas: 2
                  maxReplicas: 10
                  metrics:
                  - type: Pods
                    pods:
                      metric: {name: requests_per_second}
                      target: {type: AverageValue, averageValue: 1k}
                  - type: External
                    external:
                      metric: {name: queue, selector: {matchLabels: {q: jobs}}}
                      target: {type: Value, value: '30'}
                  - type: Resource
                    resource:
                      name: cpu
                      target: {type: Utilization, averageUtilization: 60}
                  behavior:
                    scaleDown: {stabilizationWindowSeconds: 120}
                status:
                  currentReplicas: 3
                  desiredReplicas: 4
                  currentMetrics:
                  - type: Resource
                    resource: {name: cpu, current: {averageUtilization: 75, averageValue: 300m}}
                  conditions:
                  - {type: AbleToScale, status: 'True', reason: ReadyForNewScale}
                """);
        ObjectNode v1 = Conversion.convert(v2, HPA_V2, HPA_V1);
        assertThat(v1.at("/spec/targetCPUUtilizationPercentage").asInt()).isEqualTo(60);
        assertThat(v1.at("/status/currentCPUUtilizationPercentage").asInt()).isEqualTo(75);
        assertThat(v1.at("/metadata/annotations/autoscaling.alpha.kubernetes.io~1metrics").asText())
                .contains("\"metricName\":\"requests_per_second\"").contains("\"targetAverageValue\":\"1k\"");
        assertThat(v1.at("/metadata/annotations/autoscaling.alpha.kubernetes.io~1behavior").asText()).contains("120");
        assertThat(v1.at("/metadata/annotations/autoscaling.alpha.kubernetes.io~1conditions").asText()).contains("AbleToScale");
        assertThat(v1.at("/status/conditions").isMissingNode()).isTrue();

        assertThat(Conversion.convert(v1, HPA_V1, HPA_V2)).isEqualTo(v2);
    }

    @Test
    void v1WithoutTargetGetsNoMetricsUntilV2DefaultingAddsEightyPercentCpu() {
        ObjectNode v1 = yaml("""
                apiVersion: autoscaling/v1
                kind: HorizontalPodAutoscaler
                metadata: {name: h, namespace: default}
                spec: {scaleTargetRef: {kind: Deployment, name: d}, maxReplicas: 3}
                status: {currentReplicas: 1, desiredReplicas: 1, currentCPUUtilizationPercentage: 40}
                """);
        ObjectNode v2 = Conversion.convert(v1, HPA_V1, HPA_V2);
        assertThat(v2.at("/spec/metrics").isMissingNode()).isTrue();
        assertThat(v2.at("/status/currentMetrics/0/resource/current/averageUtilization").asInt()).isEqualTo(40);
        Defaults.apply(HPA_V2, v2);
        assertThat(v2.at("/spec/metrics/0/resource/target/averageUtilization").asInt()).isEqualTo(Defaults.DEFAULT_CPU_UTILIZATION);
        assertThat(Validation.validate(HPA_V2, v2, null)).isEmpty();
    }

    @Test
    void istioVersionsShareOneSchemaSoOnlyApiVersionChanges() {
        ResourceType v1 = type("networking.istio.io", "v1", "VirtualService");
        ResourceType v1alpha3 = type("networking.istio.io", "v1alpha3", "VirtualService");
        ObjectNode vs = yaml("""
                apiVersion: networking.istio.io/v1alpha3
                kind: VirtualService
                metadata: {name: r, namespace: default}
                spec: {hosts: [reviews], http: [{route: [{destination: {host: reviews, subset: v2}}]}]}
                """);
        ObjectNode converted = Conversion.convert(vs, v1alpha3, v1);
        assertThat(converted.get("apiVersion").asText()).isEqualTo("networking.istio.io/v1");
        assertThat(converted.get("spec")).isEqualTo(vs.get("spec"));
        assertThat(vs.get("apiVersion").asText()).isEqualTo("networking.istio.io/v1alpha3");
    }

    @Test
    void differentResourcesAreNotConverted() {
        assertThatThrownBy(() -> Conversion.convert(yaml("{}"), HPA_V2, type("apps", "v1", "Deployment")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
