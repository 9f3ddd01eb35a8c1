package io.capstan.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static io.capstan.validation.Objects.defaulted;
import static io.capstan.validation.Objects.typeOf;
import static io.capstan.validation.Objects.yaml;
import static org.assertj.core.api.Assertions.assertThat;

class DefaultsTest {

    static Stream<Objects.Fixture> fixtures() {
        return Objects.fixtures();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void defaultingTwiceChangesNothingMore(Objects.Fixture fixture) {
        ObjectNode once = fixture.object().deepCopy();
        Defaults.apply(typeOf(once), once);
        ObjectNode twice = once.deepCopy();
        Defaults.apply(typeOf(twice), twice);
        assertThat(twice).isEqualTo(once);
    }

    @Test
    void podGetsPodSpecAndContainerDefaultsAsKubeApiserverWritesThem() {
        ObjectNode pod = defaulted("02-pod.yaml", "Pod");
        JsonNode spec = pod.get("spec");
        assertThat(spec.get("restartPolicy").asText()).isEqualTo("Always");
        assertThat(spec.get("dnsPolicy").asText()).isEqualTo("ClusterFirst");
        assertThat(spec.get("schedulerName").asText()).isEqualTo("default-scheduler");
        assertThat(spec.get("terminationGracePeriodSeconds").asInt()).isEqualTo(30);
        assertThat(spec.get("securityContext").isEmpty()).isTrue();
        assertThat(spec.get("enableServiceLinks").asBoolean()).isTrue();
        JsonNode c = spec.at("/containers/0");
        assertThat(c.get("imagePullPolicy").asText()).isEqualTo("IfNotPresent");
        assertThat(c.get("terminationMessagePath").asText()).isEqualTo("/dev/termination-log");
        assertThat(c.get("terminationMessagePolicy").asText()).isEqualTo("File");
        assertThat(c.at("/ports/0/protocol").asText()).isEqualTo("TCP");
        assertThat(c.get("resources").isEmpty()).isTrue();
        assertThat(pod.has("status")).isFalse();
    }

    @ParameterizedTest(name = "image {0} is pulled {1}")
    @CsvSource({"nginx, Always", "nginx:latest, Always", "nginx:stable-alpine, IfNotPresent",
            "localhost:5000/app, Always", "localhost:5000/app:1.2, IfNotPresent", "busybox@sha256:abcd, IfNotPresent"})
    void imagePullPolicyFollowsTheTag(String image, String policy) {
        assertThat(Defaults.pullPolicy(image)).isEqualTo(policy);
    }

    @Test
    void podRequestsDefaultToLimitsButTemplateRequestsDoNot() {
        String container = """
                  containers:
                  - name: a
                    image: busybox
                    resources:
                      limits: {cpu: 500m, memory: 64Mi}
                      requests: {memory: 32Mi}
                """;
        ObjectNode pod = yaml("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n" + container);
        Defaults.apply(typeOf(pod), pod);
        assertThat(pod.at("/spec/containers/0/resources/requests/cpu").asText()).isEqualTo("500m");
        assertThat(pod.at("/spec/containers/0/resources/requests/memory").asText()).isEqualTo("32Mi");

        ObjectNode rs = yaml("apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: r}\nspec:\n  template:\n    spec:\n"
                + container.indent(4));
        Defaults.apply(typeOf(rs), rs);
        assertThat(rs.at("/spec/template/spec/containers/0/resources/requests/cpu").isMissingNode()).isTrue();
        assertThat(rs.at("/spec/template/spec/enableServiceLinks").isMissingNode()).isTrue();
    }

    @Test
    void deploymentKeepsGivenValuesAndFillsTheRest() {
        JsonNode spec = defaulted("05-deployment.yaml", "Deployment").get("spec");
        assertThat(spec.get("replicas").asInt()).isEqualTo(3);
        assertThat(spec.get("revisionHistoryLimit").asInt()).isEqualTo(3);
        assertThat(spec.get("progressDeadlineSeconds").asInt()).isEqualTo(600);
        assertThat(spec.at("/strategy/rollingUpdate/maxSurge").asInt()).isEqualTo(1);
        assertThat(spec.at("/strategy/rollingUpdate/maxUnavailable").asInt()).isEqualTo(0);
        JsonNode probe = spec.at("/template/spec/containers/0/readinessProbe");
        assertThat(probe.get("periodSeconds").asInt()).isEqualTo(2);
        assertThat(probe.get("timeoutSeconds").asInt()).isEqualTo(1);
        assertThat(probe.get("successThreshold").asInt()).isEqualTo(1);
        assertThat(probe.get("failureThreshold").asInt()).isEqualTo(3);
        assertThat(probe.at("/httpGet/scheme").asText()).isEqualTo("HTTP");
        assertThat(spec.at("/template/spec/restartPolicy").asText()).isEqualTo("Always");
    }

    @Test
    void deploymentWithoutStrategyRollsTwentyFivePercentAtATime() {
        ObjectNode d = yaml("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {}");
        Defaults.apply(typeOf(d), d);
        assertThat(d.at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(d.at("/spec/strategy/type").asText()).isEqualTo("RollingUpdate");
        assertThat(d.at("/spec/strategy/rollingUpdate/maxSurge").asText()).isEqualTo("25%");
        assertThat(d.at("/spec/strategy/rollingUpdate/maxUnavailable").asText()).isEqualTo("25%");
        assertThat(d.at("/spec/revisionHistoryLimit").asInt()).isEqualTo(10);
    }

    @Test
    void servicesGetClusterIpDefaultsAndNodePortsGetTrafficPolicy() {
        JsonNode web = defaulted("06-service-clusterip.yaml", "Service").get("spec");
        assertThat(web.get("type").asText()).isEqualTo("ClusterIP");
        assertThat(web.get("sessionAffinity").asText()).isEqualTo("None");
        assertThat(web.get("internalTrafficPolicy").asText()).isEqualTo("Cluster");
        assertThat(web.get("ipFamilyPolicy").asText()).isEqualTo("SingleStack");
        assertThat(web.get("ipFamilies").toString()).isEqualTo("[\"IPv4\"]");
        assertThat(web.at("/ports/0/targetPort").asInt()).isEqualTo(8080);
        assertThat(web.has("externalTrafficPolicy")).isFalse();
        assertThat(web.has("clusterIP")).isFalse();

        JsonNode nodePort = defaulted("07-service-nodeport.yaml", "Service").get("spec");
        assertThat(nodePort.get("externalTrafficPolicy").asText()).isEqualTo("Cluster");
        assertThat(nodePort.at("/ports/0/protocol").asText()).isEqualTo("TCP");
        assertThat(nodePort.at("/ports/0/nodePort").asInt()).isEqualTo(30080);
    }

    @Test
    void serviceTargetPortDefaultsToPort() {
        ObjectNode svc = yaml("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 80}]");
        Defaults.apply(typeOf(svc), svc);
        assertThat(svc.at("/spec/ports/0/targetPort").asInt()).isEqualTo(80);
    }

    @Test
    void statefulSetGetsPolicyStrategyRetentionAndClaimDefaults() {
        JsonNode spec = defaulted("08-statefulset.yaml", "StatefulSet").get("spec");
        assertThat(spec.get("podManagementPolicy").asText()).isEqualTo("OrderedReady");
        assertThat(spec.at("/updateStrategy/rollingUpdate/partition").asInt()).isEqualTo(0);
        assertThat(spec.at("/persistentVolumeClaimRetentionPolicy/whenDeleted").asText()).isEqualTo("Retain");
        assertThat(spec.at("/persistentVolumeClaimRetentionPolicy/whenScaled").asText()).isEqualTo("Retain");
        assertThat(spec.get("revisionHistoryLimit").asInt()).isEqualTo(3);
        JsonNode claim = spec.at("/volumeClaimTemplates/0");
        assertThat(claim.at("/spec/volumeMode").asText()).isEqualTo("Filesystem");
        assertThat(claim.at("/status/phase").asText()).isEqualTo("Pending");
        assertThat(claim.get("kind").asText()).isEqualTo("PersistentVolumeClaim");
    }

    @Test
    void daemonSetRollsOneNodeAtATimeAndFieldRefsGetApiVersion() {
        JsonNode spec = defaulted("09-daemonset.yaml", "DaemonSet").get("spec");
        assertThat(spec.at("/updateStrategy/type").asText()).isEqualTo("RollingUpdate");
        assertThat(spec.at("/updateStrategy/rollingUpdate/maxUnavailable").asInt()).isEqualTo(1);
        assertThat(spec.at("/updateStrategy/rollingUpdate/maxSurge").asInt()).isEqualTo(0);
        assertThat(spec.get("revisionHistoryLimit").asInt()).isEqualTo(10);
        assertThat(spec.at("/template/spec/containers/0/env/0/valueFrom/fieldRef/apiVersion").asText()).isEqualTo("v1");
    }

    @Test
    void jobKeepsItsCountsAndRestartPolicyAndGetsTheRest() {
        JsonNode spec = defaulted("10-job.yaml", "Job").get("spec");
        assertThat(spec.get("completions").asInt()).isEqualTo(4);
        assertThat(spec.get("parallelism").asInt()).isEqualTo(2);
        assertThat(spec.get("backoffLimit").asInt()).isEqualTo(3);
        assertThat(spec.get("completionMode").asText()).isEqualTo("NonIndexed");
        assertThat(spec.get("suspend").asBoolean()).isFalse();
        assertThat(spec.get("podReplacementPolicy").asText()).isEqualTo("TerminatingOrFailed");
        assertThat(spec.has("manualSelector")).isFalse();
        assertThat(spec.has("selector")).isFalse();
        assertThat(spec.at("/template/spec/restartPolicy").asText()).isEqualTo("Never");
        assertThat(spec.at("/template/spec/containers/0/imagePullPolicy").asText()).isEqualTo("Always");
    }

    @Test
    void jobWithoutCountsRunsOnePodAndJobTemplateRestartPolicyIsNotDefaulted() {
        ObjectNode job = yaml("""
                apiVersion: batch/v1
                kind: Job
                metadata: {name: j}
                spec:
                  template:
                    spec:
                      containers: [{name: a, image: busybox}]
                """);
        Defaults.apply(typeOf(job), job);
        assertThat(job.at("/spec/completions").asInt()).isEqualTo(1);
        assertThat(job.at("/spec/parallelism").asInt()).isEqualTo(1);
        assertThat(job.at("/spec/backoffLimit").asInt()).isEqualTo(6);
        assertThat(job.at("/spec/template/spec/restartPolicy").isMissingNode()).isTrue();
    }

    @Test
    void workQueueJobKeepsCompletionsUnset() {
        ObjectNode job = yaml("apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: {parallelism: 3}");
        Defaults.apply(typeOf(job), job);
        assertThat(job.at("/spec/completions").isMissingNode()).isTrue();
    }

    @Test
    void jobSelectorLabelsThePodsWithTheUidAndName() {
        ObjectNode job = defaulted("10-job.yaml", "Job");
        Defaults.jobSelector(job, "0000-1111");
        assertThat(job.at("/spec/selector/matchLabels").toString())
                .isEqualTo("{\"batch.kubernetes.io/controller-uid\":\"0000-1111\"}");
        JsonNode labels = job.at("/spec/template/metadata/labels");
        assertThat(labels.get("controller-uid").asText()).isEqualTo("0000-1111");
        assertThat(labels.get("batch.kubernetes.io/controller-uid").asText()).isEqualTo("0000-1111");
        assertThat(labels.get("job-name").asText()).isEqualTo("job-example");
        assertThat(labels.get("batch.kubernetes.io/job-name").asText()).isEqualTo("job-example");
        assertThat(job.at("/metadata/labels")).isEqualTo(labels);
    }

    @Test
    void cronJobGetsPolicyAndHistoryDefaultsButItsJobTemplateOnlyPodDefaults() {
        JsonNode spec = defaulted("11-cronjob.yaml", "CronJob").get("spec");
        assertThat(spec.get("concurrencyPolicy").asText()).isEqualTo("Allow");
        assertThat(spec.get("suspend").asBoolean()).isFalse();
        assertThat(spec.get("successfulJobsHistoryLimit").asInt()).isEqualTo(3);
        assertThat(spec.get("failedJobsHistoryLimit").asInt()).isEqualTo(1);
        assertThat(spec.at("/jobTemplate/spec/backoffLimit").isMissingNode()).isTrue();
        assertThat(spec.at("/jobTemplate/spec/template/spec/dnsPolicy").asText()).isEqualTo("ClusterFirst");
    }

    @Test
    void namespaceGetsTheKubernetesFinalizerActivePhaseAndNameLabel() {
        ObjectNode ns = defaulted("01-namespace.yaml", "Namespace");
        assertThat(ns.at("/spec/finalizers").toString()).isEqualTo("[\"kubernetes\"]");
        assertThat(ns.at("/status/phase").asText()).isEqualTo("Active");
        assertThat(ns.at("/metadata/labels/kubernetes.io~1metadata.name").asText()).isEqualTo("prod");
        assertThat(ns.at("/metadata/labels/app").asText()).isEqualTo("MyBigWebApp");
    }

    @Test
    void secretIsOpaqueAndVolumesGetDefaultModes() {
        assertThat(defaulted("12-configmap-secret.yaml", "Secret").get("type").asText()).isEqualTo("Opaque");
        JsonNode spec = defaulted("12-configmap-secret.yaml", "Job").at("/spec/template/spec");
        assertThat(spec.at("/volumes/0/configMap/defaultMode").asInt()).isEqualTo(420);
        assertThat(spec.at("/volumes/1/secret/defaultMode").asInt()).isEqualTo(420);
    }

    @Test
    void hpaV2KeepsItsMetricsAndFillsBehaviorOnlyWhenGiven() {
        ObjectNode hpa = defaulted("14-hpa.yaml", "HorizontalPodAutoscaler");
        assertThat(hpa.at("/spec/minReplicas").asInt()).isEqualTo(1);
        assertThat(hpa.at("/spec/metrics").size()).isEqualTo(1);
        assertThat(hpa.at("/spec/behavior").isMissingNode()).isTrue();

        ObjectNode bare = yaml("""
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata: {name: h}
                spec:
                  scaleTargetRef: {kind: Deployment, name: d}
                  maxReplicas: 3
                  behavior: {scaleDown: {stabilizationWindowSeconds: 60}}
                """);
        Defaults.apply(typeOf(bare), bare);
        assertThat(bare.at("/spec/metrics/0/resource/target/averageUtilization").asInt()).isEqualTo(80);
        assertThat(bare.at("/spec/behavior/scaleDown/stabilizationWindowSeconds").asInt()).isEqualTo(60);
        assertThat(bare.at("/spec/behavior/scaleDown/policies/0/type").asText()).isEqualTo("Percent");
        assertThat(bare.at("/spec/behavior/scaleUp/policies").size()).isEqualTo(2);
        assertThat(bare.at("/spec/behavior/scaleUp/selectPolicy").asText()).isEqualTo("Max");
    }

    @Test
    void storageKindsGetReclaimAndModeDefaults() {
        ObjectNode pv = yaml("apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv}\nspec: {}");
        Defaults.apply(typeOf(pv), pv);
        assertThat(pv.at("/spec/persistentVolumeReclaimPolicy").asText()).isEqualTo("Retain");
        assertThat(pv.at("/spec/volumeMode").asText()).isEqualTo("Filesystem");
        ObjectNode pvc = yaml("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec: {}");
        Defaults.apply(typeOf(pvc), pvc);
        assertThat(pvc.at("/spec/volumeMode").asText()).isEqualTo("Filesystem");
        ObjectNode sc = yaml("apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: s}\nprovisioner: x.io/y");
        Defaults.apply(typeOf(sc), sc);
        assertThat(sc.get("reclaimPolicy").asText()).isEqualTo("Delete");
        assertThat(sc.get("volumeBindingMode").asText()).isEqualTo("Immediate");
    }

    @Test
    void unknownFieldsSurviveDefaulting() {
        ObjectNode pod = yaml("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  futureField: {a: 1}\n"
                + "  containers: [{name: a, image: busybox, futureContainerField: true}]");
        Defaults.apply(typeOf(pod), pod);
        assertThat(pod.at("/spec/futureField/a").asInt()).isEqualTo(1);
        assertThat(pod.at("/spec/containers/0/futureContainerField").asBoolean()).isTrue();
    }
}
