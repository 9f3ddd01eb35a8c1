package io.capstan.bench;

import java.nio.charset.StandardCharsets;

/**
 * The benchmark's pod: a realistic single-container Deployment-style pod (labels, annotations,
 * args, env, two ports, requests and limits, liveness and readiness probes, node selector).
 * Every pod carries the bench client's {@link System#nanoTime()} at send time, so a watcher in
 * the same JVM can compute delivery latency, and optionally a sequence number for the watch
 * phase's completeness check.
 */
final class Pods {
    static final String SENT_ANNOTATION = "bench.capstan.io/sent-nanos";
    static final String SEQ_ANNOTATION = "bench.capstan.io/watch-seq";

    private Pods() {
    }

    static byte[] pod(String name, long sentNanos, int watchSeq) {
        String seq = watchSeq >= 0 ? ",\"" + SEQ_ANNOTATION + "\":\"" + watchSeq + "\"" : "";
        String json = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\","
                + "\"labels\":{\"app.kubernetes.io/name\":\"bench-web\",\"app.kubernetes.io/instance\":\"bench-web-prod\","
                + "\"app.kubernetes.io/version\":\"1.4.2\",\"tier\":\"frontend\",\"pod-template-hash\":\"7d9f8c6b5d\"},"
                + "\"annotations\":{\"" + SENT_ANNOTATION + "\":\"" + sentNanos + "\"" + seq + ","
                + "\"prometheus.io/scrape\":\"true\",\"prometheus.io/port\":\"9090\"}},"
                + "\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"registry.example.com/capstan/bench-web:1.4.2\","
                + "\"imagePullPolicy\":\"IfNotPresent\",\"args\":[\"--listen=:8080\",\"--metrics-listen=:9090\",\"--log-level=info\"],"
                + "\"env\":[{\"name\":\"POD_NAME\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.name\"}}},"
                + "{\"name\":\"MODE\",\"value\":\"production\"},{\"name\":\"CACHE_SIZE_MB\",\"value\":\"64\"}],"
                + "\"ports\":[{\"name\":\"http\",\"containerPort\":8080,\"protocol\":\"TCP\"},"
                + "{\"name\":\"metrics\",\"containerPort\":9090,\"protocol\":\"TCP\"}],"
                + "\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"},\"limits\":{\"cpu\":\"500m\",\"memory\":\"256Mi\"}},"
                + "\"livenessProbe\":{\"httpGet\":{\"path\":\"/healthz\",\"port\":8080},\"initialDelaySeconds\":10,\"periodSeconds\":10,\"failureThreshold\":3},"
                + "\"readinessProbe\":{\"httpGet\":{\"path\":\"/ready\",\"port\":\"http\"},\"periodSeconds\":5}}],"
                + "\"restartPolicy\":\"Always\",\"terminationGracePeriodSeconds\":30,"
                + "\"nodeSelector\":{\"kubernetes.io/os\":\"linux\"}}}";
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
