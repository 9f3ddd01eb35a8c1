package io.capstan.apiserver;

import io.capstan.store.EtcdStore;
import io.capstan.store.StorageKeys;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Kubernetes API semantics and every bad-input answer, over plain HTTP against a real etcd. */
@QuarkusTest
@QuarkusTestResource(EtcdTestResource.class)
class ApiSemanticsIT {
    @TestHTTPResource("/")
    URL url;
    Rest rest;

    @BeforeEach
    void client() {
        rest = new Rest(url.toString());
    }

    private String namespace(String name) {
        rest.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"" + name + "\"}}");
        return name;
    }

    private static String configMap(String name) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\"},\"data\":{\"a\":\"1\"}}";
    }

    @Test
    void createSetsSystemMetadataAndReturns201() {
        String ns = namespace("meta");
        Rest.Answer a = rest.post("/api/v1/namespaces/" + ns + "/configmaps", configMap("c1"));
        assertThat(a.code()).isEqualTo(201);
        JsonNode meta = a.body().path("metadata");
        assertThat(meta.path("uid").asText()).hasSize(36);
        assertThat(meta.path("creationTimestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        assertThat(meta.path("resourceVersion").asLong()).isPositive();
        assertThat(meta.path("namespace").asText()).isEqualTo(ns);
        assertThat(rest.get("/api/v1/namespaces/" + ns + "/configmaps/c1").body().path("metadata").path("uid")).isEqualTo(meta.path("uid"));
    }

    @Test
    void generateNameGivesAUniqueName() {
        String ns = namespace("generate");
        String body = "{\"metadata\":{\"generateName\":\"web-\"},\"data\":{}}";
        String a = rest.post("/api/v1/namespaces/" + ns + "/configmaps", body).body().path("metadata").path("name").asText();
        String b = rest.post("/api/v1/namespaces/" + ns + "/configmaps", body).body().path("metadata").path("name").asText();
        assertThat(a).startsWith("web-").hasSize(9).isNotEqualTo(b);
    }

    @Test
    void malformedJsonIsABadRequestStatus() {
        Rest.Answer a = rest.post("/api/v1/namespaces/default/configmaps", "{\"metadata\": {");
        assertThat(a.code()).isEqualTo(400);
        assertThat(a.body().path("kind").asText()).isEqualTo("Status");
        assertThat(a.reason()).isEqualTo("BadRequest");
    }

    @Test
    void malformedYamlIsABadRequestStatus() {
        Rest.Answer a = rest.send("POST", "/api/v1/namespaces/default/configmaps", "application/yaml",
                "metadata: [unclosed".getBytes(StandardCharsets.UTF_8));
        assertThat(a.code()).isEqualTo(400);
        assertThat(a.reason()).isEqualTo("BadRequest");
    }

    @Test
    void aKindThatDoesNotMatchTheUrlIsRejected() {
        Rest.Answer a = rest.post("/api/v1/namespaces/default/pods",
                "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"x\"}}");
        assertThat(a.code()).isEqualTo(400);
        assertThat(a.body().path("message").asText()).contains("Service").contains("Pod");
        Rest.Answer b = rest.post("/api/v1/namespaces/default/pods",
                "{\"apiVersion\":\"apps/v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\"}}");
        assertThat(b.code()).isEqualTo(400);
    }

    @Test
    void aMissingNameIsInvalid() {
        Rest.Answer a = rest.post("/api/v1/namespaces/default/configmaps", "{\"data\":{}}");
        assertThat(a.code()).isEqualTo(422);
        assertThat(a.reason()).isEqualTo("Invalid");
        assertThat(a.body().path("details").path("causes").get(0).path("field").asText()).isEqualTo("metadata.name");
    }

    @Test
    void anInvalidPodReportsEveryFieldErrorAtOnce() {
        String pod = """
                {"metadata":{"name":"Bad_Name","labels":{"app":"-bad-"}},
                 "spec":{"restartPolicy":"Sometimes","containers":[
                   {"name":"web","ports":[{"containerPort":70000}]},
                   {"name":"web","image":"nginx"}]}}
                """;
        Rest.Answer a = rest.post("/api/v1/namespaces/default/pods", pod);
        assertThat(a.code()).isEqualTo(422);
        Set<String> fields = new HashSet<>();
        a.body().path("details").path("causes").forEach(c -> fields.add(c.path("field").asText()));
        assertThat(fields).contains("metadata.name", "metadata.labels", "spec.restartPolicy",
                "spec.containers[0].image", "spec.containers[0].ports[0].containerPort", "spec.containers[1].name");
        assertThat(a.body().path("message").asText()).startsWith("Pod \"Bad_Name\" is invalid: [");
        assertThat(rest.get("/api/v1/namespaces/default/pods/Bad_Name").code()).isEqualTo(404);
    }

    @Test
    void unknownFieldsAreRejectedUnderStrictAndWarnedOtherwise() {
        String body = "{\"metadata\":{\"name\":\"strict\"},\"data\":{},\"extra\":1}";
        Rest.Answer strict = rest.post("/api/v1/namespaces/default/configmaps?fieldValidation=Strict", body);
        assertThat(strict.code()).isEqualTo(400);
        assertThat(strict.body().path("message").asText()).contains("strict decoding error: unknown field \"extra\"");
        Rest.Answer warn = rest.post("/api/v1/namespaces/default/configmaps?fieldValidation=Warn", body);
        assertThat(warn.code()).isEqualTo(201);
        assertThat(warn.raw().headers().allValues("Warning")).anyMatch(w -> w.contains("unknown field \\\"extra\\\""));
    }

    @Test
    void anObjectOverTheSizeLimitIs413AndNotStored() {
        String big = "x".repeat(1_700_000);
        Rest.Answer a = rest.post("/api/v1/namespaces/default/configmaps",
                "{\"metadata\":{\"name\":\"big\"},\"data\":{\"a\":\"" + big + "\"}}");
        assertThat(a.body().path("message").asText()).contains("limit is 1572864 bytes");
        assertThat(a.code()).isEqualTo(413);
        assertThat(a.body().path("kind").asText()).isEqualTo("Status");
        assertThat(rest.get("/api/v1/namespaces/default/configmaps/big").code()).isEqualTo(404);
        Rest.Answer huge = rest.post("/api/v1/namespaces/default/configmaps",
                "{\"metadata\":{\"name\":\"huge\"},\"data\":{\"a\":\"" + "y".repeat(4_000_000) + "\"}}");
        assertThat(huge.code()).isEqualTo(413);
        assertThat(huge.body().path("kind").asText()).isEqualTo("Status");
    }

    @Test
    void anUnsupportedMediaTypeIs415() {
        Rest.Answer a = rest.send("POST", "/api/v1/namespaces/default/configmaps", "text/plain",
                configMap("plain").getBytes(StandardCharsets.UTF_8));
        assertThat(a.code()).isEqualTo(415);
        assertThat(a.reason()).isEqualTo("UnsupportedMediaType");
        Rest.Answer p = rest.patch("/api/v1/namespaces/default/configmaps/plain", "application/xml", "{}");
        assertThat(p.code()).isEqualTo(415);
    }

    @Test
    void creatingTwiceIsAlreadyExistsAndAStaleUpdateIsAConflict() {
        String ns = namespace("conflicts");
        Rest.Answer created = rest.post("/api/v1/namespaces/" + ns + "/configmaps", configMap("c"));
        Rest.Answer again = rest.post("/api/v1/namespaces/" + ns + "/configmaps", configMap("c"));
        assertThat(again.code()).isEqualTo(409);
        assertThat(again.reason()).isEqualTo("AlreadyExists");
        String rv = created.body().path("metadata").path("resourceVersion").asText();
        String update = "{\"metadata\":{\"name\":\"c\",\"resourceVersion\":\"" + rv + "\"},\"data\":{\"a\":\"2\"}}";
        assertThat(rest.put("/api/v1/namespaces/" + ns + "/configmaps/c", update).code()).isEqualTo(200);
        Rest.Answer stale = rest.put("/api/v1/namespaces/" + ns + "/configmaps/c", update);
        assertThat(stale.code()).isEqualTo(409);
        assertThat(stale.reason()).isEqualTo("Conflict");
        assertThat(stale.body().path("message").asText()).contains("the object has been modified");
    }

    /**
     * The api-server starts an update from the copy it wrote last (as kube-apiserver starts from its
     * watch cache). Another writer changes the object in etcd behind its back: every answer must
     * still be what etcd holds.
     */
    @Test
    void writesThatStartFromAnOutdatedCopyAnswerWithWhatEtcdHolds() {
        String ns = namespace("outdated");
        rest.post("/api/v1/namespaces/" + ns + "/configmaps", configMap("c"));
        String key = StorageKeys.object("", "configmaps", ns, "c");
        long behind = writeBehindTheServersBack(key, "{\"a\":\"elsewhere\",\"b\":\"x\"}");

        // On the outdated copy (a=1) this patch changes nothing; on etcd's object it does.
        Rest.Answer patched = rest.patch("/api/v1/namespaces/" + ns + "/configmaps/c", "application/merge-patch+json",
                "{\"data\":{\"a\":\"1\"}}");
        assertThat(patched.code()).isEqualTo(200);
        assertThat(patched.body().path("data").path("b").asText()).isEqualTo("x");
        assertThat(patched.body().path("metadata").path("resourceVersion").asLong()).isGreaterThan(behind);

        // A precondition on the resourceVersion etcd holds succeeds although the copy is older.
        long behindAgain = writeBehindTheServersBack(key, "{\"a\":\"again\"}");
        String put = "{\"metadata\":{\"name\":\"c\",\"resourceVersion\":\"" + behindAgain + "\"},\"data\":{\"a\":\"3\"}}";
        Rest.Answer replaced = rest.put("/api/v1/namespaces/" + ns + "/configmaps/c", put);
        assertThat(replaced.code()).isEqualTo(200);
        assertThat(replaced.body().path("data").path("a").asText()).isEqualTo("3");

        // A patch that changes nothing in etcd answers with etcd's object, not the copy's.
        long behindThird = writeBehindTheServersBack(key, "{\"a\":\"third\"}");
        Rest.Answer unchanged = rest.patch("/api/v1/namespaces/" + ns + "/configmaps/c", "application/merge-patch+json",
                "{\"data\":{\"a\":\"third\"}}");
        assertThat(unchanged.code()).isEqualTo(200);
        assertThat(unchanged.body().path("metadata").path("resourceVersion").asLong()).isEqualTo(behindThird);

        // Deleted behind its back: a patch is NotFound, not a write from the copy.
        try (EtcdStore etcd = EtcdStore.connect(EtcdTestResource.etcd.endpoint())) {
            assertThat(etcd.remove(key).join()).isTrue();
        }
        Rest.Answer gone = rest.patch("/api/v1/namespaces/" + ns + "/configmaps/c", "application/merge-patch+json",
                "{\"data\":{\"a\":\"4\"}}");
        assertThat(gone.code()).isEqualTo(404);
    }

    /** A kind that PUT creates (Lease, Endpoints ...) is created again when it vanished after this server's last write. */
    @Test
    void aPutRecreatesAKindCreatedByPutThatWasDeletedBehindTheServersBack() {
        String ns = namespace("recreated");
        String path = "/apis/coordination.k8s.io/v1/namespaces/" + ns + "/leases/l";
        String lease = "{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\",\"metadata\":{\"name\":\"l\"},"
                + "\"spec\":{\"holderIdentity\":\"%s\"}}";
        assertThat(rest.put(path, lease.formatted("a")).code()).isEqualTo(201);
        assertThat(rest.put(path, lease.formatted("b")).code()).isEqualTo(200);
        try (EtcdStore etcd = EtcdStore.connect(EtcdTestResource.etcd.endpoint())) {
            assertThat(etcd.remove(StorageKeys.object("coordination.k8s.io", "leases", ns, "l")).join()).isTrue();
        }
        Rest.Answer again = rest.put(path, lease.formatted("c"));
        assertThat(again.code()).isEqualTo(201);
        assertThat(again.body().path("spec").path("holderIdentity").asText()).isEqualTo("c");
    }

    /** Replaces the stored object's data directly in etcd, as a second api-server would; returns the new revision. */
    private static long writeBehindTheServersBack(String key, String dataJson) {
        try (EtcdStore etcd = EtcdStore.connect(EtcdTestResource.etcd.endpoint())) {
            io.capstan.store.StoredObject so = etcd.get(key).join().orElseThrow();
            com.fasterxml.jackson.databind.node.ObjectNode obj =
                    (com.fasterxml.jackson.databind.node.ObjectNode) io.capstan.api.json.KubeJson.read(so.value());
            obj.set("data", io.capstan.api.json.KubeJson.read(dataJson.getBytes(StandardCharsets.UTF_8)));
            return etcd.update(key, io.capstan.api.json.KubeJson.bytes(obj), so.modRevision(), so.lease()).join();
        }
    }

    /** Unconditional writes retry on conflicts until they land, as kube-apiserver's GuaranteedUpdate does: never a 409. */
    @Test
    void concurrentPatchesOfOneObjectAllLand() throws Exception {
        String ns = namespace("contended");
        rest.post("/api/v1/namespaces/" + ns + "/configmaps", configMap("c"));
        int writers = 48;
        java.util.List<java.util.concurrent.Future<Rest.Answer>> answers = new java.util.ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(writers)) {
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            for (int i = 0; i < writers; i++) {
                String patch = "{\"data\":{\"k" + i + "\":\"" + i + "\"}}";
                answers.add(pool.submit(() -> {
                    start.await();
                    return new Rest(url.toString()).patch("/api/v1/namespaces/" + ns + "/configmaps/c",
                            "application/merge-patch+json", patch);
                }));
            }
            start.countDown();
            for (var a : answers) {
                assertThat(a.get(60, TimeUnit.SECONDS).code()).isEqualTo(200);
            }
        }
        JsonNode data = rest.get("/api/v1/namespaces/" + ns + "/configmaps/c").body().path("data");
        assertThat(data.size()).isEqualTo(writers + 1);
    }

    @Test
    void writesIntoAMissingNamespaceAreNotFoundAndIntoATerminatingOneForbidden() {
        assertThat(rest.post("/api/v1/namespaces/nowhere/configmaps", configMap("c")).code()).isEqualTo(404);
        String ns = namespace("leaving");
        Rest.Answer deleting = rest.delete("/api/v1/namespaces/" + ns);
        assertThat(deleting.code()).isIn(200, 202);
        assertThat(rest.get("/api/v1/namespaces/" + ns).body().path("status").path("phase").asText()).isEqualTo("Terminating");
        Rest.Answer refused = rest.post("/api/v1/namespaces/" + ns + "/configmaps", configMap("c"));
        assertThat(refused.code()).isEqualTo(403);
        assertThat(refused.body().path("message").asText()).contains("because it is being terminated");
    }

    @Test
    void priorityClassesResolveIntoPodPriorityAndUnknownOnesAreForbidden() {
        String ns = namespace("priorities");
        String pcs = "/apis/scheduling.k8s.io/v1/priorityclasses";
        assertThat(rest.get(pcs + "/system-node-critical").body().path("value").asLong()).isEqualTo(2_000_001_000L);
        Rest.Answer high = rest.post(pcs, "{\"apiVersion\":\"scheduling.k8s.io/v1\",\"kind\":\"PriorityClass\","
                + "\"metadata\":{\"name\":\"high\"},\"value\":1000}");
        assertThat(high.code()).isEqualTo(201);
        assertThat(high.body().path("preemptionPolicy").asText()).isEqualTo("PreemptLowerPriority");
        Rest.Answer tooHigh = rest.post(pcs, "{\"metadata\":{\"name\":\"too-high\"},\"value\":2000000000}");
        assertThat(tooHigh.code()).isEqualTo(422);
        assertThat(tooHigh.body().path("details").path("causes").get(0).path("field").asText()).isEqualTo("value");
        assertThat(rest.post(pcs, "{\"metadata\":{\"name\":\"system-mine\"},\"value\":1}").code()).isEqualTo(422);

        String pod = "{\"metadata\":{\"name\":\"%s\"},\"spec\":{%s\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}";
        Rest.Answer withClass = rest.post("/api/v1/namespaces/" + ns + "/pods", pod.formatted("p1", "\"priorityClassName\":\"high\","));
        assertThat(withClass.code()).isEqualTo(201);
        assertThat(withClass.body().path("spec").path("priority").asInt()).isEqualTo(1000);
        assertThat(withClass.body().path("spec").path("preemptionPolicy").asText()).isEqualTo("PreemptLowerPriority");
        Rest.Answer plain = rest.post("/api/v1/namespaces/" + ns + "/pods", pod.formatted("p2", ""));
        assertThat(plain.body().path("spec").path("priority").asInt()).isZero();
        Rest.Answer unknown = rest.post("/api/v1/namespaces/" + ns + "/pods", pod.formatted("p3", "\"priorityClassName\":\"nope\","));
        assertThat(unknown.code()).isEqualTo(403);
        assertThat(unknown.body().path("message").asText()).isEqualTo("pods \"p3\" is forbidden: no PriorityClass with name nope was found");
        Rest.Answer mismatch = rest.post("/api/v1/namespaces/" + ns + "/pods",
                pod.formatted("p4", "\"priorityClassName\":\"high\",\"priority\":5,"));
        assertThat(mismatch.code()).isEqualTo(403);
        assertThat(mismatch.body().path("message").asText()).contains("must not be provided in pod spec");
        Rest.Answer changed = rest.put(pcs + "/high", ((com.fasterxml.jackson.databind.node.ObjectNode) high.body().deepCopy()).put("value", 7).toString());
        assertThat(changed.code()).isEqualTo(422);
    }

    @Test
    void generationMovesOnSpecChangesOnlyAndStatusGoesThroughItsSubresource() {
        String ns = namespace("generation");
        String deploy = """
                {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},
                 "spec":{"selector":{"matchLabels":{"app":"d"}},"template":{"metadata":{"labels":{"app":"d"}},
                   "spec":{"containers":[{"name":"c","image":"nginx"}]}}},
                 "status":{"replicas":99}}
                """;
        Rest.Answer created = rest.post("/apis/apps/v1/namespaces/" + ns + "/deployments", deploy);
        assertThat(created.code()).isEqualTo(201);
        assertThat(created.body().path("metadata").path("generation").asInt()).isEqualTo(1);
        assertThat(created.body().path("status").path("replicas").isMissingNode()).isTrue();
        assertThat(created.body().path("spec").path("strategy").path("rollingUpdate").path("maxSurge").asText()).isEqualTo("25%");
        assertThat(created.body().path("spec").path("revisionHistoryLimit").asInt()).isEqualTo(10);
        String path = "/apis/apps/v1/namespaces/" + ns + "/deployments/d";
        rest.patch(path, "application/merge-patch+json", "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}");
        assertThat(rest.get(path).body().path("metadata").path("generation").asInt()).isEqualTo(1);
        rest.patch(path, "application/merge-patch+json", "{\"spec\":{\"replicas\":4}}");
        assertThat(rest.get(path).body().path("metadata").path("generation").asInt()).isEqualTo(2);
        Rest.Answer ignored = rest.patch(path, "application/merge-patch+json", "{\"status\":{\"replicas\":7}}");
        assertThat(ignored.body().path("status").path("replicas").isMissingNode()).isTrue();
        Rest.Answer status = rest.patch(path + "/status", "application/merge-patch+json",
                "{\"status\":{\"replicas\":7},\"spec\":{\"replicas\":1}}");
        assertThat(status.code()).isEqualTo(200);
        assertThat(status.body().path("status").path("replicas").asInt()).isEqualTo(7);
        assertThat(status.body().path("spec").path("replicas").asInt()).isEqualTo(4);
        assertThat(status.body().path("metadata").path("generation").asInt()).isEqualTo(2);
    }

    @Test
    void dryRunValidatesWithoutStoring() {
        Rest.Answer a = rest.post("/api/v1/namespaces/default/configmaps?dryRun=All", configMap("dry"));
        assertThat(a.code()).isEqualTo(201);
        assertThat(rest.get("/api/v1/namespaces/default/configmaps/dry").code()).isEqualTo(404);
        assertThat(rest.post("/api/v1/namespaces/default/configmaps?dryRun=Sometimes", configMap("dry")).code()).isEqualTo(400);
    }

    @Test
    void finalizersHoldADeletedObjectUntilRemoved() {
        String ns = namespace("finalizers");
        rest.post("/api/v1/namespaces/" + ns + "/configmaps",
                "{\"metadata\":{\"name\":\"held\",\"finalizers\":[\"example.com/hold\"]},\"data\":{}}");
        Rest.Answer deleted = rest.delete("/api/v1/namespaces/" + ns + "/configmaps/held");
        assertThat(deleted.code()).isEqualTo(202);
        JsonNode held = rest.get("/api/v1/namespaces/" + ns + "/configmaps/held").body();
        assertThat(held.path("metadata").path("deletionTimestamp").asText()).isNotEmpty();
        rest.patch("/api/v1/namespaces/" + ns + "/configmaps/held", "application/merge-patch+json",
                "{\"metadata\":{\"finalizers\":null}}");
        assertThat(rest.get("/api/v1/namespaces/" + ns + "/configmaps/held").code()).isEqualTo(404);
    }

    @Test
    void podsOnANodeAreDeletedGracefullyAndBindingAssignsThemOnce() {
        String ns = namespace("pods");
        rest.post("/api/v1/namespaces/" + ns + "/pods",
                "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
        String binding = "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\"p\"},\"target\":{\"kind\":\"Node\",\"name\":\"node-1\"}}";
        assertThat(rest.post("/api/v1/namespaces/" + ns + "/pods/p/binding", binding).code()).isEqualTo(201);
        JsonNode bound = rest.get("/api/v1/namespaces/" + ns + "/pods/p").body();
        assertThat(bound.path("spec").path("nodeName").asText()).isEqualTo("node-1");
        JsonNode scheduled = bound.path("status").path("conditions").get(0);
        assertThat(scheduled.path("type").asText()).isEqualTo("PodScheduled");
        assertThat(scheduled.path("status").asText()).isEqualTo("True");
        assertThat(scheduled.path("lastTransitionTime").asText()).isNotEmpty();
        Rest.Answer twice = rest.post("/api/v1/namespaces/" + ns + "/pods/p/binding", binding);
        assertThat(twice.code()).isEqualTo(409);
        Rest.Answer graceful = rest.delete("/api/v1/namespaces/" + ns + "/pods/p");
        assertThat(graceful.code()).isEqualTo(202);
        JsonNode terminating = rest.get("/api/v1/namespaces/" + ns + "/pods/p").body();
        assertThat(terminating.path("metadata").path("deletionGracePeriodSeconds").asInt()).isEqualTo(30);
        assertThat(rest.delete("/api/v1/namespaces/" + ns + "/pods/p?gracePeriodSeconds=0").code()).isEqualTo(200);
        assertThat(rest.get("/api/v1/namespaces/" + ns + "/pods/p").code()).isEqualTo(404);
    }

    @Test
    void theKubernetesServiceHasEndpointsNamingThisApiServer() {
        JsonNode svc = rest.get("/api/v1/namespaces/default/services/kubernetes").body();
        assertThat(svc.path("spec").path("clusterIP").asText()).isEqualTo("127.96.0.1");
        JsonNode subset = rest.get("/api/v1/namespaces/default/endpoints/kubernetes").body().path("subsets").get(0);
        assertThat(subset.path("addresses").get(0).path("ip").asText()).isEqualTo("127.0.0.1");
        assertThat(subset.path("ports").get(0).path("name").asText()).isEqualTo("https");
        assertThat(subset.path("ports").get(0).path("port").asInt()).isPositive();
        JsonNode slice = rest.get("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes").body();
        assertThat(slice.path("metadata").path("labels").path("kubernetes.io/service-name").asText()).isEqualTo("kubernetes");
        assertThat(slice.path("endpoints").get(0).path("addresses").get(0).asText()).isEqualTo("127.0.0.1");
        assertThat(slice.path("endpoints").get(0).path("conditions").path("ready").asBoolean()).isTrue();
    }

    @Test
    void clusterIpsAndNodePortsAreNeverHandedOutTwice() {
        String ns = namespace("alloc");
        Set<String> ips = new HashSet<>();
        Set<Integer> ports = new HashSet<>();
        try {
            for (int i = 0; i < 40; i++) {
                Rest.Answer a = rest.post("/api/v1/namespaces/" + ns + "/services",
                        "{\"metadata\":{\"name\":\"s" + i + "\"},\"spec\":{\"type\":\"NodePort\",\"selector\":{\"a\":\"b\"},\"ports\":[{\"port\":80}]}}");
                assertThat(a.code()).isEqualTo(201);
                assertThat(ips.add(a.body().path("spec").path("clusterIP").asText())).isTrue();
                assertThat(ports.add(a.body().path("spec").path("ports").get(0).path("nodePort").asInt())).isTrue();
                assertThat(a.body().path("spec").path("ports").get(0).path("targetPort").asInt()).isEqualTo(80);
            }
            assertThat(ips).allMatch(ip -> ip.startsWith("127.96."));
            assertThat(ports).allMatch(p -> p >= 30000 && p <= 32767);
            int taken = ports.iterator().next();
            Rest.Answer clash = rest.post("/api/v1/namespaces/" + ns + "/services",
                    "{\"metadata\":{\"name\":\"clash\"},\"spec\":{\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":" + taken + "}]}}");
            assertThat(clash.code()).isEqualTo(422);
            assertThat(clash.body().path("message").asText()).contains("provided port is already allocated");
            rest.delete("/api/v1/namespaces/" + ns + "/services/s0");
            String freedIp = rest.post("/api/v1/namespaces/" + ns + "/services",
                    "{\"metadata\":{\"name\":\"again\"},\"spec\":{\"clusterIP\":\"" + ips.iterator().next() + "\",\"ports\":[{\"port\":80}]}}")
                    .body().path("metadata").path("name").asText();
            assertThat(freedIp).isIn("again", "");
        } finally {
            // Random NodePorts must go back: other suites apply fixtures with fixed ones (30080).
            rest.send("DELETE", "/api/v1/namespaces/" + ns + "/services", null, null);
        }
    }

    @Test
    void listsPageWithLimitAndContinue() {
        String ns = namespace("paging");
        for (int i = 0; i < 25; i++) {
            rest.post("/api/v1/namespaces/" + ns + "/configmaps", configMap(String.format("cm-%02d", i)));
        }
        Set<String> names = new HashSet<>();
        String cont = "";
        int pages = 0;
        do {
            Rest.Answer page = rest.get("/api/v1/namespaces/" + ns + "/configmaps?limit=10" + (cont.isEmpty() ? "" : "&continue=" + cont));
            assertThat(page.body().path("kind").asText()).isEqualTo("ConfigMapList");
            page.body().path("items").forEach(i -> names.add(i.path("metadata").path("name").asText()));
            cont = page.body().path("metadata").path("continue").asText("");
            pages++;
        } while (!cont.isEmpty());
        assertThat(pages).isEqualTo(3);
        assertThat(names).hasSize(25);
        assertThat(rest.get("/api/v1/namespaces/" + ns + "/configmaps?continue=garbage").code()).isEqualTo(400);
    }

    @Test
    void selectorsFilterListsAndUnsupportedFieldsAreBadRequests() {
        String ns = namespace("selectors");
        rest.post("/api/v1/namespaces/" + ns + "/configmaps", "{\"metadata\":{\"name\":\"a\",\"labels\":{\"tier\":\"web\"}}}");
        rest.post("/api/v1/namespaces/" + ns + "/configmaps", "{\"metadata\":{\"name\":\"b\",\"labels\":{\"tier\":\"db\"}}}");
        assertThat(rest.get("/api/v1/namespaces/" + ns + "/configmaps?labelSelector=tier%20in%20(web,cache)").body().path("items"))
                .extracting(i -> i.path("metadata").path("name").asText()).containsExactly("a");
        assertThat(rest.get("/api/v1/namespaces/" + ns + "/configmaps?fieldSelector=metadata.name%3Db").body().path("items"))
                .extracting(i -> i.path("metadata").path("name").asText()).containsExactly("b");
        assertThat(rest.get("/api/v1/namespaces/" + ns + "/configmaps?fieldSelector=spec.nodeName%3Dx").code()).isEqualTo(400);
    }

    @Test
    void watchDeliversAddedModifiedAndDeletedWithTheObject() throws Exception {
        String ns = namespace("watching");
        String rv = rest.get("/api/v1/namespaces/" + ns + "/configmaps").body().path("metadata").path("resourceVersion").asText();
        BlockingQueue<JsonNode> events = rest.watch("/api/v1/namespaces/" + ns + "/configmaps?watch=1&resourceVersion=" + rv + "&timeoutSeconds=20");
        Thread.sleep(300);
        rest.post("/api/v1/namespaces/" + ns + "/configmaps", configMap("w"));
        rest.patch("/api/v1/namespaces/" + ns + "/configmaps/w", "application/merge-patch+json", "{\"data\":{\"a\":\"2\"}}");
        rest.delete("/api/v1/namespaces/" + ns + "/configmaps/w");
        JsonNode added = events.poll(10, TimeUnit.SECONDS);
        JsonNode modified = events.poll(10, TimeUnit.SECONDS);
        JsonNode deleted = events.poll(10, TimeUnit.SECONDS);
        assertThat(added.path("type").asText()).isEqualTo("ADDED");
        assertThat(added.path("object").path("kind").asText()).isEqualTo("ConfigMap");
        assertThat(modified.path("type").asText()).isEqualTo("MODIFIED");
        assertThat(deleted.path("type").asText()).isEqualTo("DELETED");
        assertThat(deleted.path("object").path("data").path("a").asText()).isEqualTo("2");
        assertThat(deleted.path("object").path("metadata").path("resourceVersion").asLong())
                .isGreaterThan(modified.path("object").path("metadata").path("resourceVersion").asLong());
    }

    @Test
    void watchListSendsTheInitialStateThenTheInitialEventsEndBookmark() throws Exception {
        String ns = namespace("watchlist");
        rest.post("/api/v1/namespaces/" + ns + "/configmaps", configMap("one"));
        rest.post("/api/v1/namespaces/" + ns + "/configmaps", configMap("two"));
        BlockingQueue<JsonNode> events = rest.watch("/api/v1/namespaces/" + ns
                + "/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=10");
        assertThat(events.poll(10, TimeUnit.SECONDS).path("type").asText()).isEqualTo("ADDED");
        assertThat(events.poll(10, TimeUnit.SECONDS).path("type").asText()).isEqualTo("ADDED");
        JsonNode bookmark = events.poll(10, TimeUnit.SECONDS);
        assertThat(bookmark.path("type").asText()).isEqualTo("BOOKMARK");
        assertThat(bookmark.path("object").path("metadata").path("annotations").path("k8s.io/initial-events-end").asText()).isEqualTo("true");
    }

    @Test
    void watchFromACompactedRevisionEndsWithGone() throws Exception {
        String ns = namespace("compacted");
        String rv = rest.post("/api/v1/namespaces/" + ns + "/configmaps", configMap("c")).body().path("metadata").path("resourceVersion").asText();
        rest.patch("/api/v1/namespaces/" + ns + "/configmaps/c", "application/merge-patch+json", "{\"data\":{\"a\":\"2\"}}");
        rest.patch("/api/v1/namespaces/" + ns + "/configmaps/c", "application/merge-patch+json", "{\"data\":{\"a\":\"3\"}}");
        try (EtcdStore etcd = EtcdStore.connect(EtcdTestResource.etcd.endpoint())) {
            etcd.compact(etcd.currentRevision().join()).join();
        }
        BlockingQueue<JsonNode> events = rest.watch("/api/v1/namespaces/" + ns + "/configmaps?watch=1&resourceVersion=" + rv);
        JsonNode error = events.poll(10, TimeUnit.SECONDS);
        assertThat(error.path("type").asText()).isEqualTo("ERROR");
        assertThat(error.path("object").path("code").asInt()).isEqualTo(410);
        assertThat(error.path("object").path("reason").asText()).isEqualTo("Expired");
        Rest.Answer list = rest.get("/api/v1/namespaces/" + ns + "/configmaps?resourceVersion=" + rv + "&resourceVersionMatch=Exact");
        assertThat(list.code()).isEqualTo(410);
    }

    @Test
    void scaleSubresourceReadsAndWritesReplicas() {
        String ns = namespace("scale");
        rest.post("/apis/apps/v1/namespaces/" + ns + "/deployments", """
                {"metadata":{"name":"d"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"d"}},
                 "template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}
                """);
        Rest.Answer scale = rest.get("/apis/apps/v1/namespaces/" + ns + "/deployments/d/scale");
        assertThat(scale.body().path("kind").asText()).isEqualTo("Scale");
        assertThat(scale.body().path("spec").path("replicas").asInt()).isEqualTo(2);
        assertThat(scale.body().path("status").path("selector").asText()).isEqualTo("app=d");
        rest.put("/apis/apps/v1/namespaces/" + ns + "/deployments/d/scale",
                "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"Scale\",\"metadata\":{\"name\":\"d\"},\"spec\":{\"replicas\":6}}");
        assertThat(rest.get("/apis/apps/v1/namespaces/" + ns + "/deployments/d").body().path("spec").path("replicas").asInt()).isEqualTo(6);
    }

    @Test
    void tablesCarryColumnsRowsAndTheListResourceVersion() {
        Rest.Answer table = rest.send("GET", "/api/v1/namespaces", null, null,
                "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
        assertThat(table.body().path("kind").asText()).isEqualTo("Table");
        assertThat(table.body().path("columnDefinitions").get(0).path("name").asText()).isEqualTo("Name");
        assertThat(table.body().path("metadata").path("resourceVersion").asText()).isNotEmpty();
        assertThat(table.body().path("rows").size()).isGreaterThanOrEqualTo(4);
    }

    @Test
    void eventsAreWrittenWithAnExpiringLease() {
        String event = """
                {"metadata":{"name":"e1"},"involvedObject":{"kind":"Pod","name":"p","namespace":"default"},
                 "reason":"Started","message":"hello","type":"Normal"}
                """;
        assertThat(rest.post("/api/v1/namespaces/default/events", event).code()).isEqualTo(201);
        try (EtcdStore etcd = EtcdStore.connect(EtcdTestResource.etcd.endpoint())) {
            long lease = etcd.get(StorageKeys.object("", "events", "default", "e1")).join().orElseThrow().lease();
            assertThat(lease).isNotZero();
        }
        assertThat(rest.get("/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dp,reason%3DStarted")
                .body().path("items").size()).isEqualTo(1);
    }

    @Test
    void versionHealthAndMetricsAnswer() {
        Rest.Answer version = rest.get("/version");
        assertThat(version.body().path("gitVersion").asText()).matches("v\\d+\\.\\d+\\.\\d+.*");
        for (String path : new String[] {"/healthz", "/livez", "/readyz"}) {
            assertThat(rest.send("GET", path, null, null, null).code()).isEqualTo(200);
        }
        rest.get("/api/v1/namespaces/default/configmaps");
        String metrics = rest.send("GET", "/q/metrics", null, null, "text/plain").raw().body();
        assertThat(metrics).contains("apiserver_request_total", "apiserver_request_duration_seconds_bucket",
                "etcd_request_duration_seconds_bucket");
    }

    @Test
    void unknownPathsAndResourcesAreNotFoundStatuses() {
        Rest.Answer a = rest.get("/apis/nothing.example.com/v1/things");
        assertThat(a.code()).isEqualTo(404);
        assertThat(a.body().path("kind").asText()).isEqualTo("Status");
        assertThat(rest.get("/api/v1/namespaces/default/configmaps/absent").reason()).isEqualTo("NotFound");
    }
}
