package io.capstan.scheduler.it;

import io.capstan.testkit.ApiServerProcess;
import io.capstan.testkit.EtcdProcess;
import io.capstan.testkit.FreePorts;
import io.capstan.testkit.KafkaProcess;
import io.capstan.testkit.Kubectl;
import io.capstan.testkit.ServiceProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two packaged schedulers as real processes against a real etcd, Kafka and api-server: one leads
 * and binds pods; SIGKILL it, and the other takes over once the dead leader's lease expires and
 * binds the next pod.
 */
class SchedulerFailoverProcessIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final List<AutoCloseable> processes = new ArrayList<>();
    private static EtcdProcess etcd;
    private static KafkaProcess kafka;
    private static ApiServerProcess apiServer;
    private static Kubectl kubectl;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        etcd = EtcdProcess.start();
        processes.add(etcd);
        kafka = KafkaProcess.start();
        processes.add(kafka);
        apiServer = ApiServerProcess.start(etcd.endpoint(), kafka.bootstrapServers());
        processes.add(apiServer);
        kubectl = new Kubectl("1.33", apiServer.url());
    }

    @AfterAll
    static void stop() {
        for (int i = processes.size() - 1; i >= 0; i--) {
            try {
                processes.get(i).close();
            } catch (Exception ignored) {
                // best effort teardown
            }
        }
    }

    private static ServiceProcess scheduler(String identity) {
        ServiceProcess s = ServiceProcess.start("scheduler", "services/scheduler", "127.0.0.1", FreePorts.next(),
                Map.of("capstan.scheduler.api-server-url", apiServer.url(),
                        "capstan.scheduler.etcd-endpoints", etcd.endpoint(),
                        "capstan.scheduler.kafka-bootstrap-servers", kafka.bootstrapServers(),
                        "capstan.scheduler.identity", identity,
                        "capstan.scheduler.lease-ttl", "3s"),
                List.of("-Xmx256m", "-XX:+UseSerialGC"));
        processes.add(s);
        return s;
    }

    private static String ready(ServiceProcess s) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(s.url() + "/q/health/ready")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e.toString();
        }
    }

    private static boolean leads(ServiceProcess s) {
        String body = ready(s);
        return body.contains("\"leader\": true") && body.contains("\"scheduling\": true");
    }

    private static void eventually(Supplier<Boolean> condition, Supplier<String> describe) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.get()) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("not within " + TIMEOUT + ": " + describe.get());
    }

    private static void pod(String name) {
        kubectl.runWithInput("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec:
                  containers:
                  - {name: main, image: capstan/echo:1.0, resources: {requests: {cpu: 100m}}}
                """.formatted(name), "apply", "-f", "-").ok();
    }

    private static String nodeOf(String pod) {
        return kubectl.run("get", "pod", pod, "-o", "jsonpath={.spec.nodeName}").ok().stdout().trim();
    }

    @Test
    void theStandbyTakesOverWhenTheLeaderIsKilled() throws InterruptedException {
        kubectl.runWithInput("""
                apiVersion: v1
                kind: Node
                metadata:
                  name: solo
                  labels: {kubernetes.io/hostname: solo}
                """, "apply", "-f", "-").ok();
        kubectl.run("patch", "node", "solo", "--subresource=status", "--type=merge", "-p",
                "{\"status\":{\"allocatable\":{\"cpu\":\"4\",\"memory\":\"8Gi\",\"pods\":\"110\"},"
                        + "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"KubeletReady\"}]}}").ok();
        ServiceProcess first = scheduler("scheduler-one");
        eventually(() -> leads(first), () -> ready(first) + first.log());
        ServiceProcess second = scheduler("scheduler-two");
        pod("before");
        eventually(() -> "solo".equals(nodeOf("before")), () -> first.log());
        assertThat(ready(second)).contains("\"leader\": false");

        first.kill();
        pod("after");
        eventually(() -> "solo".equals(nodeOf("after")), () -> ready(second) + second.log());
        assertThat(leads(second)).isTrue();
        assertThat(kubectl.run("get", "events", "--field-selector", "involvedObject.name=after",
                "-o", "jsonpath={.items[*].message}").ok().stdout()).contains("Successfully assigned default/after to solo");
    }
}
