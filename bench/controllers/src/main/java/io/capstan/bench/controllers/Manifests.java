package io.capstan.bench.controllers;

/**
 * The objects the bench writes. Pods and Deployment templates are realistic (labels,
 * annotations, args, env, ports, requests and limits, probes; about 3 KB as stored), so the
 * controller-manager's cache holds what a real cluster's would.
 */
final class Manifests {
    /** Label of a Deployment's pods naming their Deployment, so the bench can count pods per Deployment. */
    static final String DEPLOYMENT_LABEL = "bench.capstan.io/deployment";

    private Manifests() {
    }

    static String namespace(String name) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + name + "\"}}";
    }

    /** A ConfigMap of the change-feed phase: its write sequence number and the bench's intended send time. */
    static String feedConfigMap(String name) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\"},"
                + "\"data\":{\"seq\":\"-1\",\"sent\":\"0\"}}";
    }

    static String feedPatch(long seq, long sentNanos) {
        return "{\"data\":{\"seq\":\"" + seq + "\",\"sent\":\"" + sentNanos + "\"}}";
    }

    static String deployment(String name, int replicas) {
        return "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"" + name + "\","
                + "\"labels\":{\"app.kubernetes.io/name\":\"" + name + "\",\"app.kubernetes.io/part-of\":\"bench\"}},"
                + "\"spec\":{\"replicas\":" + replicas + ",\"selector\":{\"matchLabels\":{\"" + DEPLOYMENT_LABEL + "\":\"" + name + "\"}},"
                + "\"template\":{\"metadata\":{\"labels\":{\"" + DEPLOYMENT_LABEL + "\":\"" + name + "\","
                + "\"app.kubernetes.io/name\":\"" + name + "\",\"app.kubernetes.io/version\":\"1.4.2\",\"tier\":\"frontend\"},"
                + "\"annotations\":{\"prometheus.io/scrape\":\"true\",\"prometheus.io/port\":\"9090\"}},"
                + "\"spec\":" + podSpec() + "}}}";
    }

    static String pod(String name) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\","
                + "\"labels\":{\"app.kubernetes.io/name\":\"bench-web\",\"app.kubernetes.io/instance\":\"bench-web-prod\","
                + "\"app.kubernetes.io/version\":\"1.4.2\",\"tier\":\"frontend\"},"
                + "\"annotations\":{\"prometheus.io/scrape\":\"true\",\"prometheus.io/port\":\"9090\"}},"
                + "\"spec\":" + podSpec() + "}";
    }

    private static String podSpec() {
        return "{\"containers\":[{\"name\":\"web\",\"image\":\"registry.example.com/capstan/bench-web:1.4.2\","
                + "\"imagePullPolicy\":\"IfNotPresent\",\"args\":[\"--listen=:8080\",\"--metrics-listen=:9090\",\"--log-level=info\"],"
                + "\"env\":[{\"name\":\"POD_NAME\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.name\"}}},"
                + "{\"name\":\"MODE\",\"value\":\"production\"},{\"name\":\"CACHE_SIZE_MB\",\"value\":\"64\"}],"
                + "\"ports\":[{\"name\":\"http\",\"containerPort\":8080,\"protocol\":\"TCP\"},"
                + "{\"name\":\"metrics\",\"containerPort\":9090,\"protocol\":\"TCP\"}],"
                + "\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"},\"limits\":{\"cpu\":\"500m\",\"memory\":\"256Mi\"}},"
                + "\"livenessProbe\":{\"httpGet\":{\"path\":\"/healthz\",\"port\":8080},\"initialDelaySeconds\":10,\"periodSeconds\":10,\"failureThreshold\":3},"
                + "\"readinessProbe\":{\"httpGet\":{\"path\":\"/ready\",\"port\":\"http\"},\"periodSeconds\":5}}],"
                + "\"restartPolicy\":\"Always\",\"terminationGracePeriodSeconds\":30,"
                + "\"nodeSelector\":{\"kubernetes.io/os\":\"linux\"}}";
    }
}
