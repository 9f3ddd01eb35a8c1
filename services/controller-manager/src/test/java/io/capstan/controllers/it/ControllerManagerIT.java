package io.capstan.controllers.it;

import io.capstan.controller.ApiClients;
import io.capstan.controller.EventRecorder;
import io.capstan.controllers.common.PodControl;
import io.capstan.controllers.common.PodExpectations;
import io.capstan.testkit.Kubectl;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.capstan.workloads.volumes.VolumeBindingModel;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The controller-manager against a real etcd, Kafka and api-server, driven with the real
 * kubectl 1.33. No node-agent exists yet, so {@link FakeNode} marks pods Running and Ready (or,
 * per namespace, Succeeded, Failed or left Pending).
 */
@QuarkusTest
@QuarkusTestResource(value = Cluster.class, restrictToAnnotatedClass = true)
class ControllerManagerIT {
    private static final String FIXTURES = "/work/shared/fixtures/k8s/";
    private static final String WIDGET_CRD = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: widgets.gc.capstan.io
            spec:
              group: gc.capstan.io
              scope: Namespaced
              names: {kind: Widget, listKind: WidgetList, plural: widgets, singular: widget}
              versions:
              - name: v1
                served: true
                storage: true
                schema:
                  openAPIV3Schema:
                    type: object
                    properties:
                      spec:
                        type: object
                        x-kubernetes-preserve-unknown-fields: true
            """;
    private static Kubectl kubectl;
    private static FakeNode node;

    @BeforeAll
    static void start() {
        kubectl = new Kubectl("1.33", Cluster.apiServer.url());
        node = new FakeNode(Cluster.apiServer.url());
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void deploymentRollsOutUpdatesRollsBackPausesAndScales() {
        String ns = "deploy-test";
        kubectl.run("create", "namespace", ns).ok();
        kubectl.run("-n", ns, "apply", "-f", FIXTURES + "05-deployment.yaml").ok();
        rolloutStatus(ns);
        assertThat(lines(kubectl.run("-n", ns, "get", "rs", "-o", "name").ok().stdout())).hasSize(1);
        assertThat(podImages(ns)).containsExactly("capstan/echo:1.0", "capstan/echo:1.0", "capstan/echo:1.0");

        kubectl.run("-n", ns, "set", "image", "deploy/deploy-example", "web=capstan/echo:2.0").ok();
        rolloutStatus(ns);
        eventually(() -> podImages(ns).equals(List.of("capstan/echo:2.0", "capstan/echo:2.0", "capstan/echo:2.0")));
        assertThat(lines(kubectl.run("-n", ns, "get", "rs", "-o", "name").ok().stdout())).hasSize(2);
        String history = kubectl.run("-n", ns, "rollout", "history", "deploy/deploy-example").ok().stdout();
        assertThat(history).containsPattern("(?m)^1 ").containsPattern("(?m)^2 ");

        kubectl.run("-n", ns, "rollout", "undo", "deploy/deploy-example").ok();
        rolloutStatus(ns);
        eventually(() -> podImages(ns).equals(List.of("capstan/echo:1.0", "capstan/echo:1.0", "capstan/echo:1.0")));
        assertThat(lines(kubectl.run("-n", ns, "get", "rs", "-o", "name").ok().stdout())).hasSize(2);
        assertThat(kubectl.run("-n", ns, "rollout", "history", "deploy/deploy-example").ok().stdout())
                .containsPattern("(?m)^2 ").containsPattern("(?m)^3 ");

        kubectl.run("-n", ns, "rollout", "undo", "deploy/deploy-example", "--to-revision=2").ok();
        rolloutStatus(ns);
        eventually(() -> podImages(ns).equals(List.of("capstan/echo:2.0", "capstan/echo:2.0", "capstan/echo:2.0")));

        kubectl.run("-n", ns, "rollout", "pause", "deploy/deploy-example").ok();
        kubectl.run("-n", ns, "set", "image", "deploy/deploy-example", "web=capstan/echo:3.0").ok();
        eventually(() -> jsonpath(ns, "deploy/deploy-example", "{.status.conditions[?(@.type==\"Progressing\")].reason}")
                .equals("DeploymentPaused"));
        assertThat(podImages(ns)).containsOnly("capstan/echo:2.0");
        kubectl.run("-n", ns, "rollout", "resume", "deploy/deploy-example").ok();
        rolloutStatus(ns);
        eventually(() -> podImages(ns).equals(List.of("capstan/echo:3.0", "capstan/echo:3.0", "capstan/echo:3.0")));

        kubectl.run("-n", ns, "scale", "deploy/deploy-example", "--replicas=5").ok();
        rolloutStatus(ns);
        eventually(() -> podImages(ns).size() == 5);
        assertThat(jsonpath(ns, "deploy/deploy-example", "{.status.readyReplicas}")).isEqualTo("5");
        assertThat(kubectl.run("-n", ns, "get", "events", "-o", "jsonpath={.items[*].reason}").ok().stdout())
                .contains("ScalingReplicaSet").contains("SuccessfulCreate").contains("SuccessfulDelete");
    }

    @Test
    void replicaSetReplacesDeletedPodsAndAdoptsOrphans() {
        String ns = "rs-test";
        kubectl.run("create", "namespace", ns).ok();
        kubectl.run("-n", ns, "apply", "-f", FIXTURES + "04-replicaset.yaml").ok();
        eventually(() -> podNames(ns).size() == 3);
        eventually(() -> "3".equals(jsonpath(ns, "rs/rs-example", "{.status.readyReplicas}")));
        List<String> before = podNames(ns);

        kubectl.run("-n", ns, "delete", "pod", before.get(0)).ok();
        eventually(() -> podNames(ns).size() == 3 && !podNames(ns).contains(before.get(0)));
        List<String> replaced = podNames(ns);

        kubectl.run("-n", ns, "delete", "rs", "rs-example", "--cascade=orphan").ok();
        eventually(() -> kubectl.run("-n", ns, "get", "rs", "-o", "name").ok().stdout().isBlank());
        assertThat(podNames(ns)).isEqualTo(replaced);
        assertThat(kubectl.run("-n", ns, "get", "pods", "-o", "jsonpath={.items[*].metadata.ownerReferences[*].uid}").ok().stdout()).isBlank();

        kubectl.run("-n", ns, "apply", "-f", FIXTURES + "04-replicaset.yaml").ok();
        String uid = jsonpath(ns, "rs/rs-example", "{.metadata.uid}");
        eventually(() -> kubectl.run("-n", ns, "get", "pods", "-o", "jsonpath={.items[*].metadata.ownerReferences[0].uid}").ok()
                .stdout().equals(String.join(" ", uid, uid, uid)));
        eventually(() -> "3".equals(jsonpath(ns, "rs/rs-example", "{.status.readyReplicas}")));
        assertThat(podNames(ns)).isEqualTo(replaced);
    }

    @Test
    void deletingADeploymentDeletesItsReplicaSetsAndPods() {
        String ns = "gc-background";
        kubectl.run("create", "namespace", ns).ok();
        kubectl.run("-n", ns, "apply", "-f", FIXTURES + "05-deployment.yaml").ok();
        rolloutStatus(ns);
        assertThat(podNames(ns)).hasSize(3);

        kubectl.run("-n", ns, "delete", "deployment", "deploy-example").ok();
        eventually(() -> kubectl.run("-n", ns, "get", "rs", "-o", "name").ok().stdout().isBlank() && podNames(ns).isEmpty());
    }

    @Test
    void foregroundDeletionRemovesPodsBeforeTheReplicaSet() {
        String ns = "gc-foreground";
        kubectl.run("create", "namespace", ns).ok();
        kubectl.run("-n", ns, "apply", "-f", FIXTURES + "04-replicaset.yaml").ok();
        eventually(() -> podNames(ns).size() == 3);

        // kubectl waits until the ReplicaSet is gone, which the foregroundDeletion finalizer holds until its pods are
        kubectl.run("-n", ns, "delete", "rs", "rs-example", "--cascade=foreground", "--timeout=60s").ok();
        assertThat(podNames(ns)).isEmpty();
        assertThat(kubectl.run("-n", ns, "get", "rs", "rs-example").exitCode()).isNotZero();
    }

    @Test
    void deletingANamespaceDeletesEverythingInItThenTheNamespace() {
        String ns = "doomed";
        kubectl.run("create", "namespace", ns).ok();
        kubectl.runWithInput(WIDGET_CRD, "apply", "-f", "-").ok();
        kubectl.run("wait", "--for=condition=Established", "crd/widgets.gc.capstan.io", "--timeout=60s").ok();
        kubectl.runWithInput("""
                apiVersion: gc.capstan.io/v1
                kind: Widget
                metadata:
                  name: sprocket
                spec:
                  size: 3
                """, "-n", ns, "apply", "-f", "-").ok();
        kubectl.run("-n", ns, "create", "configmap", "settings", "--from-literal=colour=blue").ok();
        kubectl.run("-n", ns, "apply", "-f", FIXTURES + "05-deployment.yaml").ok();
        rolloutStatus(ns);

        kubectl.run("delete", "namespace", ns, "--timeout=90s").ok();
        Kubectl.Result gone = kubectl.run("get", "namespace", ns);
        assertThat(gone.exitCode()).isNotZero();
        assertThat(gone.stderr()).contains("NotFound");
        for (String resource : List.of("widgets", "configmaps", "deployments", "replicasets", "pods", "serviceaccounts")) {
            assertThat(kubectl.run("get", resource, "-A", "-o", "jsonpath={.items[*].metadata.namespace}").ok().stdout())
                    .as(resource).doesNotContain(ns);
        }
    }

    @Test
    void podCreatesRefusedBecauseTheNamespaceIsBeingDeletedAreNeitherFailuresNorRetried() throws Exception {
        String ns = "ending";
        kubectl.run("create", "namespace", ns).ok();
        // a finalizer keeps the namespace Terminating for as long as the test needs it
        kubectl.runWithInput("""
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: hold
                  finalizers: [test.capstan.io/hold]
                """, "-n", ns, "apply", "-f", "-").ok();
        kubectl.run("delete", "namespace", ns, "--wait=false").ok();
        try (KubernetesClient client = ApiClients.create(Cluster.apiServer.url())) {
            eventually(() -> "Terminating".equals(client.namespaces().withName(ns).get().getStatus().getPhase()));
            PodExpectations expectations = new PodExpectations("ReplicaSet");
            PodControl control = new PodControl(client, expectations, new EventRecorder(client, "test"));
            ReplicaSet owner = new ReplicaSetBuilder().withNewMetadata().withNamespace(ns).withName("web").withUid("d0e3c5c5-2e5a-4d4c-9a53-0f1b4c1e7a11")
                    .endMetadata().build();
            List<Pod> pods = List.of(1, 2, 3).stream().map(i -> new PodBuilder().withNewMetadata().withNamespace(ns).withName("web-" + i)
                    .endMetadata().withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build()).toList();

            PodControl.Outcome outcome = control.create(owner, ns + "/web", pods);

            assertThat(outcome.failed()).as("a refusal every later create would get too is not a failure to retry").isFalse();
            assertThat(outcome.notDone()).isEqualTo(3);
            assertThat(expectations.satisfied(ns + "/web")).as("nothing left to wait for").isTrue();
        } finally {
            kubectl.run("-n", ns, "patch", "configmap", "hold", "--type=json", "-p", "[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]");
        }
        eventually(Duration.ofSeconds(60), () -> kubectl.run("get", "namespace", ns).exitCode() != 0);
    }

    @Test
    void everyNamespaceGetsADefaultServiceAccountBack() {
        String ns = "sa-test";
        kubectl.run("create", "namespace", ns).ok();
        eventually(() -> kubectl.run("-n", ns, "get", "serviceaccount", "default").exitCode() == 0);
        String uid = jsonpath(ns, "serviceaccount/default", "{.metadata.uid}");

        kubectl.run("-n", ns, "delete", "serviceaccount", "default").ok();
        eventually(() -> {
            Kubectl.Result sa = kubectl.run("-n", ns, "get", "serviceaccount", "default", "-o", "jsonpath={.metadata.uid}");
            return sa.exitCode() == 0 && !sa.stdout().isBlank() && !sa.stdout().trim().equals(uid);
        });
    }

    @Test
    void jobRunsItsPodsToCompletionAndIsDeletedAfterItsTtl() {
        String ns = "job-test";
        kubectl.run("create", "namespace", ns).ok();
        node.outcome(ns, FakeNode.Outcome.SUCCEED);
        kubectl.run("-n", ns, "apply", "-f", FIXTURES + "10-job.yaml").ok();
        kubectl.run("-n", ns, "wait", "--for=condition=complete", "job/job-example", "--timeout=90s").ok();
        String table = kubectl.run("-n", ns, "get", "job", "job-example").ok().stdout();
        assertThat(table).contains("COMPLETIONS").contains("4/4").contains("Complete");
        assertThat(jsonpath(ns, "job/job-example", "{.status.succeeded}")).isEqualTo("4");
        assertThat(jsonpath(ns, "job/job-example", "{.status.completionTime}")).isNotBlank();
        assertThat(podNames(ns)).hasSize(4);
        eventually(() -> kubectl.run("-n", ns, "get", "pods", "-o", "jsonpath={.items[*].metadata.finalizers[*]}").ok().stdout().isBlank());
        assertThat(kubectl.run("-n", ns, "describe", "job", "job-example").ok().stdout())
                .contains("SuccessfulCreate").contains("Completed").contains("Succeeded");

        kubectl.runWithInput("""
                apiVersion: batch/v1
                kind: Job
                metadata:
                  name: short-lived
                spec:
                  ttlSecondsAfterFinished: 2
                  template:
                    spec:
                      restartPolicy: Never
                      containers:
                      - name: hello
                        image: alpine:latest
                """, "-n", ns, "apply", "-f", "-").ok();
        eventually(() -> kubectl.run("-n", ns, "get", "job", "short-lived").exitCode() != 0);
        eventually(() -> podNames(ns).size() == 4);
    }

    @Test
    void jobWhosePodsFailEndsFailedPastItsBackoffLimit() {
        String ns = "job-fail";
        kubectl.run("create", "namespace", ns).ok();
        node.outcome(ns, FakeNode.Outcome.FAIL);
        kubectl.runWithInput("""
                apiVersion: batch/v1
                kind: Job
                metadata:
                  name: doomed
                spec:
                  backoffLimit: 1
                  template:
                    spec:
                      restartPolicy: Never
                      containers:
                      - name: fail
                        image: alpine:latest
                        command: ["false"]
                """, "-n", ns, "apply", "-f", "-").ok();
        kubectl.run("-n", ns, "wait", "--for=condition=failed", "job/doomed", "--timeout=90s").ok();
        assertThat(jsonpath(ns, "job/doomed", "{.status.conditions[?(@.type==\"Failed\")].reason}")).isEqualTo("BackoffLimitExceeded");
        assertThat(jsonpath(ns, "job/doomed", "{.status.failed}")).isEqualTo("2");
        assertThat(kubectl.run("-n", ns, "describe", "job", "doomed").ok().stdout()).contains("BackoffLimitExceeded");
    }

    @Test
    void cronJobStartsAJobOnScheduleAndRecordsItsSuccess() {
        String ns = "cron-test";
        kubectl.run("create", "namespace", ns).ok();
        node.outcome(ns, FakeNode.Outcome.SUCCEED);
        kubectl.run("-n", ns, "apply", "-f", FIXTURES + "11-cronjob.yaml").ok();
        // "*/1 * * * *" fires at the next minute boundary: at most 60 s away
        eventually(Duration.ofSeconds(75), () -> !lines(kubectl.run("-n", ns, "get", "jobs", "-o", "name").ok().stdout()).isEmpty());
        String job = jsonpath(ns, "jobs", "{.items[0].metadata.name}");
        assertThat(job).matches("cronjob-example-\\d+");
        long minutes = Long.parseLong(job.substring("cronjob-example-".length()));
        assertThat(jsonpath(ns, "job/" + job, "{.metadata.annotations.batch\\.kubernetes\\.io/cronjob-scheduled-timestamp}"))
                .isEqualTo(java.time.Instant.ofEpochSecond(minutes * 60).toString());
        eventually(() -> !jsonpath(ns, "cronjob/cronjob-example", "{.status.lastScheduleTime}").isEmpty());
        String table = kubectl.run("-n", ns, "get", "cronjob", "cronjob-example").ok().stdout();
        // columns NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE: the last schedule is an age, not <none>
        assertThat(table).contains("LAST SCHEDULE")
                .containsPattern("(?m)^cronjob-example\\s+\\*/1 \\* \\* \\* \\*\\s+<none>\\s+False\\s+\\d+\\s+\\d+[smhd]\\S*\\s+\\S+\\s*$");

        kubectl.run("-n", ns, "wait", "--for=condition=complete", "job/" + job, "--timeout=60s").ok();
        eventually(() -> !jsonpath(ns, "cronjob/cronjob-example", "{.status.lastSuccessfulTime}").isEmpty());
        assertThat(kubectl.run("-n", ns, "describe", "cronjob", "cronjob-example").ok().stdout())
                .contains("SuccessfulCreate").contains("SawCompletedJob");
        kubectl.run("-n", ns, "patch", "cronjob", "cronjob-example", "-p", "{\"spec\":{\"suspend\":true}}").ok();
    }

    @Test
    void statefulSetCreatesPodsAndClaimsInOrderAndScalesDownFromTheTop() {
        String ns = "sts-test";
        kubectl.run("create", "namespace", ns).ok();
        node.outcome(ns, FakeNode.Outcome.HOLD);
        kubectl.run("-n", ns, "apply", "-f", FIXTURES + "08-statefulset.yaml").ok();
        kubectl.run("-n", ns, "scale", "statefulset/sts-example", "--replicas=3").ok();
        eventually(() -> podNames(ns).equals(List.of("sts-example-0")));
        // OrderedReady: nothing more while sts-example-0 is not Running and Ready
        sleep(Duration.ofSeconds(2));
        assertThat(podNames(ns)).containsExactly("sts-example-0");
        node.outcome(ns, null);
        eventually(() -> podNames(ns).equals(List.of("sts-example-0", "sts-example-1", "sts-example-2")));
        kubectl.run("-n", ns, "rollout", "status", "statefulset/sts-example", "--timeout=60s").ok();
        assertThat(lines(kubectl.run("-n", ns, "get", "pvc", "-o", "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}").ok().stdout()))
                .containsExactlyInAnyOrder("www-sts-example-0", "www-sts-example-1", "www-sts-example-2");
        eventually(() -> kubectl.run("-n", ns, "get", "pvc", "-o", "jsonpath={.items[*].status.phase}").ok().stdout().trim()
                .equals("Bound Bound Bound"));
        assertThat(jsonpath(ns, "statefulset/sts-example", "{.status.readyReplicas}")).isEqualTo("3");
        String created0 = jsonpath(ns, "pod/sts-example-0", "{.metadata.creationTimestamp}");
        String created2 = jsonpath(ns, "pod/sts-example-2", "{.metadata.creationTimestamp}");
        assertThat(created0.compareTo(created2)).isLessThanOrEqualTo(0);
        assertThat(jsonpath(ns, "pod/sts-example-1", "{.spec.hostname}")).isEqualTo("sts-example-1");

        kubectl.run("-n", ns, "scale", "statefulset/sts-example", "--replicas=1").ok();
        eventually(() -> podNames(ns).equals(List.of("sts-example-0")));
        eventually(() -> "1".equals(jsonpath(ns, "statefulset/sts-example", "{.status.replicas}")));
        String story = kubectl.run("-n", ns, "describe", "statefulset", "sts-example").ok().stdout();
        assertThat(story).contains("create Pod sts-example-2 in StatefulSet sts-example successful")
                .contains("delete Pod sts-example-2 in StatefulSet sts-example successful")
                .contains("delete Pod sts-example-1 in StatefulSet sts-example successful");
    }

    @Test
    void daemonSetRunsOnePodOnEveryNode() {
        String ns = "ds-test";
        kubectl.run("create", "namespace", ns).ok();
        addNode("worker-a");
        addNode("worker-b");
        kubectl.run("-n", ns, "apply", "-f", FIXTURES + "09-daemonset.yaml").ok();
        eventually(() -> podNodes(ns).equals(List.of("worker-a", "worker-b")));
        kubectl.run("-n", ns, "rollout", "status", "daemonset/node-logger", "--timeout=60s").ok();
        assertThat(jsonpath(ns, "daemonset/node-logger", "{.status.desiredNumberScheduled} {.status.numberReady}")).isEqualTo("2 2");

        addNode("worker-c");
        eventually(() -> podNodes(ns).equals(List.of("worker-a", "worker-b", "worker-c")));
        eventually(() -> "3".equals(jsonpath(ns, "daemonset/node-logger", "{.status.numberReady}")));
        assertThat(kubectl.run("-n", ns, "describe", "daemonset", "node-logger").ok().stdout()).contains("SuccessfulCreate");
    }

    @Test
    void jobAdoptsAMatchingOrphanPodWithItsTrackingFinalizerAndCountsIt() {
        String ns = "job-adopt";
        kubectl.run("create", "namespace", ns).ok();
        node.outcome(ns, FakeNode.Outcome.HOLD);
        kubectl.runWithInput("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: batch-orphan
                  labels: {app: adopt-batch}
                spec:
                  restartPolicy: Never
                  containers:
                  - name: work
                    image: alpine:latest
                """, "-n", ns, "apply", "-f", "-").ok();
        kubectl.runWithInput("""
                apiVersion: batch/v1
                kind: Job
                metadata:
                  name: adopter
                spec:
                  manualSelector: true
                  selector:
                    matchLabels: {app: adopt-batch}
                  completions: 1
                  parallelism: 1
                  template:
                    metadata:
                      labels: {app: adopt-batch}
                    spec:
                      restartPolicy: Never
                      containers:
                      - name: work
                        image: alpine:latest
                """, "-n", ns, "apply", "-f", "-").ok();
        String uid = jsonpath(ns, "job/adopter", "{.metadata.uid}");
        eventually(() -> jsonpath(ns, "pod/batch-orphan", "{.metadata.ownerReferences[?(@.controller==true)].uid}").equals(uid));
        assertThat(jsonpath(ns, "pod/batch-orphan", "{.metadata.ownerReferences[0].kind}")).isEqualTo("Job");
        assertThat(jsonpath(ns, "pod/batch-orphan", "{.metadata.finalizers}")).contains("batch.kubernetes.io/job-tracking");

        node.outcome(ns, FakeNode.Outcome.SUCCEED);
        kubectl.run("-n", ns, "wait", "--for=condition=complete", "job/adopter", "--timeout=60s").ok();
        // counted: the tracking finalizer comes off once the status holds the pod
        eventually(() -> jsonpath(ns, "pod/batch-orphan", "{.metadata.finalizers[*]}").isEmpty());
    }

    @Test
    void daemonSetAdoptsAnOrphanOnItsNodeAndReleasesItOnceItsLabelsNoLongerMatch() {
        String ns = "ds-adopt";
        kubectl.run("create", "namespace", ns).ok();
        // tainted, so the other DaemonSets of this suite (which do not tolerate it) stay off it
        addNode("adoption-node", "{\"key\":\"capstan.io/adoption-test\",\"value\":\"true\",\"effect\":\"NoSchedule\"}");
        try {
            kubectl.runWithInput("""
                    apiVersion: v1
                    kind: Pod
                    metadata:
                      name: ds-orphan
                      labels: {app: adopted-logger}
                    spec:
                      nodeName: adoption-node
                      containers:
                      - name: logger
                        image: busybox
                    """, "-n", ns, "apply", "-f", "-").ok();
            kubectl.runWithInput("""
                    apiVersion: apps/v1
                    kind: DaemonSet
                    metadata:
                      name: adopted-logger
                    spec:
                      selector:
                        matchLabels: {app: adopted-logger}
                      updateStrategy: {type: OnDelete}
                      template:
                        metadata:
                          labels: {app: adopted-logger}
                        spec:
                          nodeSelector: {kubernetes.io/hostname: adoption-node}
                          tolerations:
                          - {key: capstan.io/adoption-test, operator: Exists, effect: NoSchedule}
                          containers:
                          - name: logger
                            image: busybox
                    """, "-n", ns, "apply", "-f", "-").ok();
            String uid = jsonpath(ns, "daemonset/adopted-logger", "{.metadata.uid}");
            eventually(() -> jsonpath(ns, "pod/ds-orphan", "{.metadata.ownerReferences[?(@.controller==true)].uid}").equals(uid));
            eventually(() -> podNames(ns).equals(List.of("ds-orphan"))
                    && "1 1".equals(jsonpath(ns, "daemonset/adopted-logger", "{.status.desiredNumberScheduled} {.status.numberReady}")));

            kubectl.run("-n", ns, "label", "pod", "ds-orphan", "app=released", "--overwrite").ok();
            eventually(() -> jsonpath(ns, "pod/ds-orphan", "{.metadata.ownerReferences[*].uid}").isEmpty());
            // the node lost its daemon pod: a new one replaces the released one
            eventually(() -> kubectl.run("-n", ns, "get", "pods", "-l", "app=adopted-logger", "-o",
                    "jsonpath={.items[*].metadata.ownerReferences[0].uid}").ok().stdout().trim().equals(uid));
            assertThat(podNames(ns)).hasSize(2).contains("ds-orphan");

            node.outcome(ns, FakeNode.Outcome.FAIL);
            eventually(() -> eventReasons(ns, "adopted-logger").contains("FailedDaemonPod"));
            assertThat(eventMessages(ns, "adopted-logger")).anyMatch(m -> m.matches("Found failed daemon pod ds-adopt/\\S+ on node adoption-node, will try to kill it"));
        } finally {
            node.outcome(ns, null);
            kubectl.run("delete", "node", "adoption-node");
        }
    }

    @Test
    void statefulSetAdoptsOnlyOrphansNamedAsItsMembers() {
        String ns = "sts-adopt";
        kubectl.run("create", "namespace", ns).ok();
        for (String name : List.of("web-0", "web-extra")) {
            kubectl.runWithInput("""
                    apiVersion: v1
                    kind: Pod
                    metadata:
                      name: %s
                      labels: {app: adopted-web}
                    spec:
                      containers:
                      - name: nginx
                        image: nginx:stable-alpine
                    """.formatted(name), "-n", ns, "apply", "-f", "-").ok();
        }
        String orphanUid = jsonpath(ns, "pod/web-0", "{.metadata.uid}");
        kubectl.runWithInput("""
                apiVersion: apps/v1
                kind: StatefulSet
                metadata:
                  name: web
                spec:
                  replicas: 2
                  serviceName: web
                  selector:
                    matchLabels: {app: adopted-web}
                  updateStrategy: {type: OnDelete}
                  template:
                    metadata:
                      labels: {app: adopted-web}
                    spec:
                      containers:
                      - name: nginx
                        image: nginx:stable-alpine
                """, "-n", ns, "apply", "-f", "-").ok();
        String uid = jsonpath(ns, "statefulset/web", "{.metadata.uid}");
        eventually(() -> jsonpath(ns, "pod/web-0", "{.metadata.ownerReferences[?(@.controller==true)].uid}").equals(uid));
        eventually(() -> podNames(ns).equals(List.of("web-0", "web-1", "web-extra")));
        eventually(() -> "2".equals(jsonpath(ns, "statefulset/web", "{.status.readyReplicas}")));
        assertThat(jsonpath(ns, "pod/web-0", "{.metadata.uid}")).isEqualTo(orphanUid);
        assertThat(jsonpath(ns, "pod/web-1", "{.metadata.ownerReferences[0].uid}")).isEqualTo(uid);
        assertThat(jsonpath(ns, "pod/web-extra", "{.metadata.ownerReferences[*].uid}")).isEmpty();
    }

    @Test
    void endpointsAndEndpointSlicesFollowTheServicesReadyPods() throws Exception {
        String ns = "endpoints-test";
        kubectl.run("create", "namespace", ns).ok();
        kubectl.run("-n", ns, "apply", "-f", FIXTURES + "05-deployment.yaml").ok();
        kubectl.run("-n", ns, "apply", "-f", FIXTURES + "06-service-clusterip.yaml").ok();
        rolloutStatus(ns);
        eventually(() -> kubectl.run("-n", ns, "get", "endpoints", "web").exitCode() == 0
                && lines(jsonpath(ns, "endpoints/web", "{range .subsets[*].addresses[*]}{.ip}{\"\\n\"}{end}")).size() == 3);
        List<String> ips = lines(jsonpath(ns, "endpoints/web", "{range .subsets[*].addresses[*]}{.ip}{\"\\n\"}{end}"));
        assertThat(ips).allMatch(ip -> ip.startsWith("127.244.")).doesNotHaveDuplicates();
        assertThat(jsonpath(ns, "endpoints/web", "{.subsets[*].ports[*].port}")).isEqualTo("8080");
        assertThat(jsonpath(ns, "endpoints/web", "{.subsets[*].notReadyAddresses}")).isBlank();

        eventually(() -> lines(kubectl.run("-n", ns, "get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "name")
                .ok().stdout()).size() == 1
                && lines(kubectl.run("-n", ns, "get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o",
                        "jsonpath={range .items[*].endpoints[*]}{.addresses[0]}{\"\\n\"}{end}").ok().stdout()).size() == 3);
        String slice = kubectl.run("-n", ns, "get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o",
                "jsonpath={.items[0].ports[0].port} {.items[0].addressType} {.items[0].metadata.ownerReferences[0].kind}").ok().stdout().trim();
        assertThat(slice).isEqualTo("8080 IPv4 Service");

        String victim = podNames(ns).get(0);
        String victimIp = jsonpath(ns, "pod/" + victim, "{.status.podIP}");
        node.markNotReady(ns, victim);
        eventually(() -> jsonpath(ns, "endpoints/web", "{.subsets[*].notReadyAddresses[*].ip}").equals(victimIp)
                && lines(jsonpath(ns, "endpoints/web", "{range .subsets[*].addresses[*]}{.ip}{\"\\n\"}{end}")).size() == 2);
        eventually(() -> kubectl.run("-n", ns, "get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o",
                "jsonpath={.items[*].endpoints[?(@.conditions.ready==false)].addresses[0]}").ok().stdout().trim().equals(victimIp));

        kubectl.run("-n", ns, "delete", "service", "web").ok();
        eventually(() -> kubectl.run("-n", ns, "get", "endpoints", "web").exitCode() != 0);
        eventually(() -> kubectl.run("-n", ns, "get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "name")
                .ok().stdout().isBlank());
    }

    @Test
    void loadBalancerServicesGetDistinctAddressesFromThePoolUntilTheyStopBeingLoadBalancers() {
        String ns = "lb-test";
        kubectl.run("create", "namespace", ns).ok();
        kubectl.run("-n", ns, "apply", "-f", FIXTURES + "05-deployment.yaml").ok();
        kubectl.run("-n", ns, "expose", "deployment", "deploy-example", "--name=web-lb", "--type=LoadBalancer",
                "--port=80", "--target-port=8080").ok();
        kubectl.runWithInput("""
                apiVersion: v1
                kind: Service
                metadata: {name: pinned}
                spec:
                  type: LoadBalancer
                  loadBalancerIP: 127.98.200.7
                  allocateLoadBalancerNodePorts: false
                  selector: {app: web}
                  ports: [{port: 81, targetPort: 8080}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: outside}
                spec:
                  type: LoadBalancer
                  loadBalancerIP: 10.9.9.9
                  ports: [{port: 82}]
                """, "-n", ns, "apply", "-f", "-").ok();

        eventually(() -> jsonpath(ns, "svc/web-lb", "{.status.loadBalancer.ingress[0].ip}").startsWith("127.98.")
                && jsonpath(ns, "svc/pinned", "{.status.loadBalancer.ingress[0].ip}").equals("127.98.200.7"));
        String ip = jsonpath(ns, "svc/web-lb", "{.status.loadBalancer.ingress[0].ip}");
        assertThat(ip).isNotEqualTo("127.98.200.7");
        assertThat(jsonpath(ns, "svc/web-lb", "{.status.loadBalancer.ingress[0].ipMode}")).isEqualTo("VIP");
        assertThat(jsonpath(ns, "svc/web-lb", "{.spec.ports[0].nodePort}")).as("NodePorts are allocated by default").isNotBlank();
        assertThat(jsonpath(ns, "svc/pinned", "{.spec.ports[0].nodePort}")).as("allocateLoadBalancerNodePorts=false").isBlank();
        assertThat(kubectl.run("-n", ns, "get", "svc", "web-lb", "--no-headers").ok().stdout())
                .matches("web-lb\\s+LoadBalancer\\s+127\\.96\\.\\S+\\s+" + ip.replace(".", "\\.") + "\\s+80:3\\d{4}/TCP\\s+.*\\n");
        assertThat(kubectl.run("-n", ns, "get", "svc", "outside", "--no-headers").ok().stdout()).contains("<pending>");
        eventually(() -> kubectl.run("-n", ns, "get", "events", "--field-selector", "involvedObject.name=outside", "-o",
                "jsonpath={.items[*].message}").ok().stdout()
                .contains("Failed to allocate IP for \"" + ns + "/outside\": \"10.9.9.9\" is not allowed in config"));
        eventually(() -> kubectl.run("-n", ns, "get", "events", "--field-selector", "involvedObject.name=web-lb", "-o",
                "jsonpath={.items[*].reason}").ok().stdout().contains("EnsuredLoadBalancer"));
        assertThat(kubectl.run("-n", ns, "describe", "svc", "web-lb").ok().stdout()).contains("LoadBalancer Ingress:");

        kubectl.run("-n", ns, "patch", "svc", "web-lb", "-p", "{\"spec\":{\"type\":\"ClusterIP\"}}").ok();
        eventually(() -> jsonpath(ns, "svc/web-lb", "{.status.loadBalancer.ingress}").isBlank());
        assertThat(jsonpath(ns, "svc/web-lb", "{.spec.ports[0].nodePort}")).isBlank();
        assertThat(kubectl.run("-n", ns, "get", "svc", "web-lb", "--no-headers").ok().stdout()).contains("<none>");

        // the address went back to the pool: the next Service may get it, never one still held
        kubectl.run("-n", ns, "create", "service", "loadbalancer", "next", "--tcp=83:8080").ok();
        eventually(() -> jsonpath(ns, "svc/next", "{.status.loadBalancer.ingress[0].ip}").startsWith("127.98."));
        assertThat(jsonpath(ns, "svc/next", "{.status.loadBalancer.ingress[0].ip}")).isNotEqualTo("127.98.200.7");

        kubectl.run("-n", ns, "create", "service", "externalname", "ext", "--external-name", "db.example.com").ok();
        assertThat(jsonpath(ns, "svc/ext", "{.spec.clusterIP}")).isBlank();
        assertThat(kubectl.run("-n", ns, "get", "svc", "ext", "--no-headers").ok().stdout())
                .matches("ext\\s+ExternalName\\s+<none>\\s+db\\.example\\.com\\s+<none>\\s+.*\\n");
        // kubectl create checks the name itself; apply leaves it to the server
        assertThat(kubectl.runWithInput("{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"bad\"},"
                + "\"spec\":{\"type\":\"ExternalName\",\"externalName\":\"Not_A_Name\"}}", "-n", ns, "apply", "-f", "-").stderr())
                .contains("spec.externalName: Invalid value: \"Not_A_Name\"");
        kubectl.run("delete", "namespace", ns, "--wait=false").ok();
    }

    @Test
    void claimsWithoutAClassBindToProvisionedVolumesOfTheDefaultClass() {
        eventually(() -> kubectl.run("get", "storageclass").stdout().contains("standard (default)"));
        assertThat(kubectl.run("get", "storageclass", "standard", "-o", "jsonpath={.provisioner}").ok().stdout()).isEqualTo("capstan.io/local");
        String ns = "pv-test";
        kubectl.run("create", "namespace", ns).ok();
        kubectl.runWithInput("""
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata:
                  name: data
                spec:
                  accessModes: ["ReadWriteOnce"]
                  resources:
                    requests:
                      storage: 1Gi
                """, "-n", ns, "apply", "-f", "-").ok();
        eventually(() -> jsonpath(ns, "pvc/data", "{.status.phase}").equals("Bound"));
        // RetroactiveDefaultStorageClass: the claim created without a class is given the default one
        assertThat(jsonpath(ns, "pvc/data", "{.spec.storageClassName}")).isEqualTo("standard");
        String uid = jsonpath(ns, "pvc/data", "{.metadata.uid}");
        String volume = jsonpath(ns, "pvc/data", "{.spec.volumeName}");
        assertThat(volume).isEqualTo("pvc-" + uid);
        assertThat(kubectl.run("get", "pv", volume, "-o", "jsonpath={.spec.storageClassName}").ok().stdout()).isEqualTo("standard");
        eventually(() -> kubectl.run("get", "pv", volume, "-o", "jsonpath={.status.phase}").ok().stdout().trim().equals("Bound"));
        assertThat(Files.isDirectory(VolumeBindingModel.directory(Cluster.dataDir, uid))).isTrue();
        eventually(() -> eventMessages(ns, "data").contains("Successfully provisioned volume " + volume + " using capstan.io/local"));
        assertThat(eventReasons(ns, "data")).contains("ProvisioningSucceeded");
    }

    @Test
    void aSilentNodeBecomesUnreachableAndLosesItsPods() {
        String ns = "node-lifecycle";
        kubectl.run("create", "namespace", ns).ok();
        kubectl.runWithInput("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: stranded
                spec:
                  nodeName: silent-node
                  containers:
                  - name: app
                    image: capstan/echo:1.0
                """, "-n", ns, "apply", "-f", "-").ok();
        // Ready on its node, as its kubelet last said (the fake node leaves Running pods alone)
        kubectl.run("-n", ns, "patch", "pod", "stranded", "--subresource=status", "--type=merge", "-p",
                "{\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}").ok();
        String stale = micro(Instant.now().minusSeconds(60));
        lease("silent-node", stale);
        kubectl.runWithInput("""
                apiVersion: v1
                kind: Node
                metadata:
                  name: silent-node
                """, "apply", "-f", "-").ok();
        kubectl.run("patch", "node", "silent-node", "--subresource=status", "--type=merge", "-p",
                "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"KubeletReady\","
                        + "\"lastHeartbeatTime\":\"" + Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.SECONDS) + "\"}]}}").ok();
        eventually(() -> kubectl.run("get", "node", "silent-node", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}")
                .ok().stdout().trim().equals("Unknown"));
        eventually(() -> kubectl.run("get", "node", "silent-node", "-o",
                "jsonpath={.spec.taints[?(@.effect==\"NoExecute\")].key}").ok().stdout().trim().equals("node.kubernetes.io/unreachable"));
        eventually(() -> {
            Kubectl.Result pod = kubectl.run("-n", ns, "get", "pod", "stranded", "-o", "jsonpath={.metadata.deletionTimestamp}");
            return pod.exitCode() != 0 || !pod.stdout().isBlank();
        });
        // the Events upstream's node lifecycle and taint eviction controllers record (node events live in "default")
        eventually(() -> eventReasons("default", "silent-node").contains("NodeNotReady"));
        assertThat(eventMessages("default", "silent-node")).contains("Node silent-node status is now: NodeNotReady");
        eventually(() -> eventReasons(ns, "stranded").containsAll(List.of("NodeNotReady", "TaintManagerEviction")));
        assertThat(eventMessages(ns, "stranded")).contains("Node is not ready", "Marking for deletion Pod node-lifecycle/stranded");
    }

    /** The reasons of the Events in {@code ns} about objects named {@code involved}. */
    private static List<String> eventReasons(String ns, String involved) {
        return lines(kubectl.run("-n", ns, "get", "events", "-o", "jsonpath={range .items[?(@.involvedObject.name==\"" + involved
                + "\")]}{.reason}{\"\\n\"}{end}").ok().stdout());
    }

    private static List<String> eventMessages(String ns, String involved) {
        return lines(kubectl.run("-n", ns, "get", "events", "-o", "jsonpath={range .items[?(@.involvedObject.name==\"" + involved
                + "\")]}{.message}{\"\\n\"}{end}").ok().stdout());
    }

    private static String micro(Instant t) {
        return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSX").withZone(java.time.ZoneOffset.UTC).format(t);
    }

    /** A node's Lease in kube-node-lease, renewed at {@code renewTime}. */
    private static void lease(String name, String renewTime) {
        kubectl.runWithInput("""
                apiVersion: coordination.k8s.io/v1
                kind: Lease
                metadata:
                  name: %s
                  namespace: kube-node-lease
                spec:
                  holderIdentity: %s
                  leaseDurationSeconds: 40
                  renewTime: "%s"
                """.formatted(name, name, renewTime), "apply", "-f", "-").ok();
    }

    private static void addNode(String name) {
        addNode(name, null);
    }

    /** A Ready node with a fresh lease, and {@code taint} (JSON) in its spec if not null. */
    private static void addNode(String name, String taint) {
        // a lease renewed an hour ahead keeps the node lifecycle controller from judging it silent
        lease(name, micro(Instant.now().plus(1, ChronoUnit.HOURS)));
        kubectl.runWithInput("""
                apiVersion: v1
                kind: Node
                metadata:
                  name: %s
                  labels:
                    kubernetes.io/hostname: %s
                spec:
                  taints: [%s]
                """.formatted(name, name, taint == null ? "" : taint), "apply", "-f", "-").ok();
        // with a heartbeat too, so the node is not judged silent before the controller's cache holds the lease
        kubectl.run("patch", "node", name, "--subresource=status", "--type=merge", "-p",
                "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"KubeletReady\","
                        + "\"lastHeartbeatTime\":\"" + Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS) + "\"}]}}").ok();
        assertThat(kubectl.run("get", "node", name, "-o", "jsonpath={.status.conditions[0].status}").ok().stdout()).isEqualTo("True");
    }

    /** The node each pod is pinned to by its required node affinity on metadata.name, sorted. */
    private static List<String> podNodes(String ns) {
        return lines(kubectl.run("-n", ns, "get", "pods", "-o", "jsonpath={range .items[*]}"
                + "{.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].values[0]}"
                + "{\"\\n\"}{end}").ok().stdout()).stream().sorted().toList();
    }

    private static void rolloutStatus(String ns) {
        kubectl.run("-n", ns, "rollout", "status", "deploy/deploy-example", "--timeout=60s").ok();
    }

    private static String jsonpath(String ns, String object, String path) {
        return kubectl.run("-n", ns, "get", object, "-o", "jsonpath=" + path).ok().stdout().trim();
    }

    private static List<String> podNames(String ns) {
        return lines(kubectl.run("-n", ns, "get", "pods", "-o", "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}")
                .ok().stdout()).stream().sorted().toList();
    }

    private static List<String> podImages(String ns) {
        return lines(kubectl.run("-n", ns, "get", "pods", "-o", "jsonpath={range .items[*]}{.spec.containers[0].image}{\"\\n\"}{end}")
                .ok().stdout());
    }

    private static List<String> lines(String s) {
        return Arrays.stream(s.split("\n")).map(String::trim).filter(l -> !l.isEmpty()).toList();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void eventually(Supplier<Boolean> condition) {
        eventually(Duration.ofSeconds(60), condition);
    }

    private static void eventually(Duration timeout, Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.get()) {
                return;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("condition not met within " + timeout.toSeconds() + " s");
    }
}
