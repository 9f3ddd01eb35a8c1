package io.capstan.validation;

import io.capstan.api.registry.ResourceType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static io.capstan.validation.Trees.def;
import static io.capstan.validation.Trees.defObject;
import static io.capstan.validation.Trees.has;
import static io.capstan.validation.Trees.obj;
import static io.capstan.validation.Trees.objects;
import static io.capstan.validation.Trees.str;
import static io.capstan.validation.Trees.with;

/**
 * Kubernetes' defaulting for the built-in kinds: the {@code SetDefaults_*} functions of
 * k8s.io/kubernetes pkg/apis/{core,apps,batch,autoscaling,storage,discovery}/v1/defaults.go and the
 * few defaults kube-apiserver's registry strategies add on create (Namespace finalizers, Service IP
 * families). Defaulting only ever fills fields the client left out, so applying it twice changes
 * nothing, and fields it does not know are left alone.
 *
 * <p>Not done here, because they need server state: cluster IP and node port allocation, the Job
 * selector (see {@link #jobSelector}), Pod status, priority and service-account admission.
 */
public final class Defaults {
    /** Kubernetes' {@code DefaultCPUUtilization}, the target of an HPA that names no metric. */
    public static final int DEFAULT_CPU_UTILIZATION = 80;

    private Defaults() {
    }

    /**
     * Fills in the defaults of {@code obj}, in place. Objects of kinds without defaults (ConfigMap,
     * Event, custom and Istio resources) are left untouched. Safe to call on any tree, including
     * malformed ones: a field of the wrong JSON type is skipped, and validation reports it.
     *
     * @param type the resource the object belongs to, at the version {@code obj} is written in
     * @param obj the object as sent on the wire; mutated
     */
    public static void apply(ResourceType type, ObjectNode obj) {
        if (type.isCustom()) {
            return;
        }
        ObjectNode spec = obj(obj, "spec");
        String group = type.group();
        switch (group.isEmpty() ? type.kind() : group + "/" + type.kind()) {
            case "Pod" -> {
                if (spec != null) {
                    pod(spec);
                }
            }
            case "PodTemplate" -> podTemplate(obj(obj, "template"), true);
            case "ReplicationController" -> {
                if (spec != null) {
                    def(spec, "replicas", 1);
                    podTemplate(obj(spec, "template"), true);
                }
            }
            case "Service" -> {
                if (spec != null) {
                    service(spec);
                }
            }
            case "Endpoints" -> {
                for (ObjectNode subset : objects(obj, "subsets")) {
                    for (ObjectNode port : objects(subset, "ports")) {
                        if (port != null) {
                            def(port, "protocol", "TCP");
                        }
                    }
                }
            }
            case "Namespace" -> namespace(obj);
            case "Secret" -> def(obj, "type", "Opaque");
            case "Node" -> node(obj);
            case "PersistentVolume" -> {
                if (spec != null) {
                    def(spec, "persistentVolumeReclaimPolicy", "Retain");
                    def(spec, "volumeMode", "Filesystem");
                }
                def(with(obj, "status"), "phase", "Pending");
            }
            case "PersistentVolumeClaim" -> persistentVolumeClaim(obj);
            case "LimitRange" -> {
                for (ObjectNode item : objects(spec, "limits")) {
                    if (item != null) {
                        limitRangeItem(item);
                    }
                }
            }
            case "apps/Deployment" -> {
                if (spec != null) {
                    deployment(spec);
                }
            }
            case "apps/ReplicaSet" -> {
                if (spec != null) {
                    def(spec, "replicas", 1);
                    podTemplate(obj(spec, "template"), true);
                }
            }
            case "apps/StatefulSet" -> {
                if (spec != null) {
                    statefulSet(spec);
                }
            }
            case "apps/DaemonSet" -> {
                if (spec != null) {
                    daemonSet(spec);
                }
            }
            case "batch/Job" -> job(obj);
            case "batch/CronJob" -> {
                if (spec != null) {
                    cronJob(spec);
                }
            }
            case "autoscaling/HorizontalPodAutoscaler" -> {
                if (spec != null) {
                    horizontalPodAutoscaler(spec, type.version());
                }
            }
            case "discovery.k8s.io/EndpointSlice" -> {
                for (ObjectNode port : objects(obj, "ports")) {
                    if (port != null) {
                        def(port, "name", "");
                        def(port, "protocol", "TCP");
                    }
                }
            }
            case "scheduling.k8s.io/PriorityClass" -> def(obj, "preemptionPolicy", "PreemptLowerPriority");
            case "storage.k8s.io/StorageClass" -> {
                def(obj, "reclaimPolicy", "Delete");
                def(obj, "volumeBindingMode", "Immediate");
            }
            case "apiextensions.k8s.io/CustomResourceDefinition" -> {
                if (spec != null) {
                    customResourceDefinition(spec);
                }
            }
            default -> {
                // No defaults: ConfigMap, Event, ServiceAccount, ResourceQuota, Lease, ControllerRevision, Istio kinds.
            }
        }
    }

    /**
     * Sets the selector and labels kube-apiserver generates for a Job on create (the batch Job
     * strategy's {@code generateSelector}) unless the Job asks for {@code manualSelector}: the pod
     * template gets {@code controller-uid}, {@code batch.kubernetes.io/controller-uid},
     * {@code job-name} and {@code batch.kubernetes.io/job-name}, and the selector matches the
     * {@code batch.kubernetes.io/controller-uid} label. Labels the client already set are kept;
     * validation rejects them if they contradict the generated selector. A Job without labels of its
     * own then takes the template's, as the Job defaulting does.
     *
     * @param job a Job whose metadata.name is final
     * @param uid the uid the server assigned to it
     */
    public static void jobSelector(ObjectNode job, String uid) {
        ObjectNode spec = with(job, "spec");
        if (Trees.bool(spec, "manualSelector")) {
            return;
        }
        String name = str(obj(job, "metadata"), "name");
        ObjectNode labels = with(with(with(spec, "template"), "metadata"), "labels");
        def(labels, "batch.kubernetes.io/controller-uid", uid);
        def(labels, "batch.kubernetes.io/job-name", name);
        def(labels, "controller-uid", uid);
        def(labels, "job-name", name);
        ObjectNode matchLabels = with(with(spec, "selector"), "matchLabels");
        def(matchLabels, "batch.kubernetes.io/controller-uid", uid);
        copyTemplateLabels(job, spec);
    }

    // --- core ---

    private static void pod(ObjectNode spec) {
        podSpec(spec, true);
        // SetDefaults_Pod, which deliberately does not apply to templates: requests default to
        // limits, and service links are on.
        for (String list : List.of("initContainers", "containers")) {
            for (ObjectNode c : objects(spec, list)) {
                ObjectNode limits = c == null ? null : obj(obj(c, "resources"), "limits");
                if (limits != null) {
                    ObjectNode requests = with(with(c, "resources"), "requests");
                    for (Iterator<Map.Entry<String, JsonNode>> it = limits.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> e = it.next();
                        if (!requests.has(e.getKey())) {
                            requests.set(e.getKey(), e.getValue().deepCopy());
                        }
                    }
                }
            }
        }
        def(spec, "enableServiceLinks", true);
    }

    private static void podTemplate(ObjectNode template, boolean defaultRestartPolicy) {
        ObjectNode spec = obj(template, "spec");
        if (spec != null) {
            podSpec(spec, defaultRestartPolicy);
        }
    }

    /**
     * SetDefaults_PodSpec and what it reaches. {@code defaultRestartPolicy} is false for Job
     * templates: Capstan leaves their restart policy to the client so validation can say it is
     * required, rather than defaulting to Always and then rejecting Always.
     */
    private static void podSpec(ObjectNode spec, boolean defaultRestartPolicy) {
        def(spec, "dnsPolicy", "ClusterFirst");
        if (defaultRestartPolicy) {
            def(spec, "restartPolicy", "Always");
        }
        defObject(spec, "securityContext");
        def(spec, "terminationGracePeriodSeconds", 30);
        def(spec, "schedulerName", "default-scheduler");
        boolean hostNetwork = Trees.bool(spec, "hostNetwork");
        for (String list : List.of("initContainers", "containers", "ephemeralContainers")) {
            for (ObjectNode c : objects(spec, list)) {
                if (c != null) {
                    container(c, hostNetwork);
                }
            }
        }
        for (ObjectNode v : objects(spec, "volumes")) {
            if (v != null) {
                volume(v);
            }
        }
    }

    private static void container(ObjectNode c, boolean hostNetwork) {
        if (!has(c, "imagePullPolicy") || str(c, "imagePullPolicy").isEmpty()) {
            c.put("imagePullPolicy", pullPolicy(str(c, "image")));
        }
        def(c, "terminationMessagePath", "/dev/termination-log");
        def(c, "terminationMessagePolicy", "File");
        defObject(c, "resources");
        for (ObjectNode p : objects(c, "ports")) {
            if (p != null) {
                def(p, "protocol", "TCP");
                if (hostNetwork && has(p, "containerPort")) {
                    def(p, "hostPort", p.get("containerPort").asLong());
                }
            }
        }
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            ObjectNode p = obj(c, probe);
            if (p != null) {
                // These are plain int32 in Go, where 0 means unset.
                defNonZero(p, "timeoutSeconds", 1);
                defNonZero(p, "periodSeconds", 10);
                defNonZero(p, "successThreshold", 1);
                defNonZero(p, "failureThreshold", 3);
                httpGet(obj(p, "httpGet"));
            }
        }
        ObjectNode lifecycle = obj(c, "lifecycle");
        httpGet(obj(obj(lifecycle, "postStart"), "httpGet"));
        httpGet(obj(obj(lifecycle, "preStop"), "httpGet"));
        for (ObjectNode env : objects(c, "env")) {
            ObjectNode fieldRef = obj(obj(env, "valueFrom"), "fieldRef");
            if (fieldRef != null) {
                def(fieldRef, "apiVersion", "v1");
            }
        }
    }

    /** Always for ":latest" or an untagged image, IfNotPresent for a tag or digest, as SetDefaults_Container. */
    static String pullPolicy(String image) {
        if (image.contains("@")) {
            return "IfNotPresent";
        }
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        if (colon <= slash) {
            return "Always";
        }
        return image.substring(colon + 1).equals("latest") ? "Always" : "IfNotPresent";
    }

    private static void defNonZero(ObjectNode o, String field, int value) {
        if (!has(o, field) || (o.get(field).isNumber() && o.get(field).asLong() == 0)) {
            o.put(field, value);
        }
    }

    private static void httpGet(ObjectNode httpGet) {
        if (httpGet != null) {
            def(httpGet, "path", "/");
            def(httpGet, "scheme", "HTTP");
        }
    }

    private static final List<String> VOLUME_SOURCES = List.of("hostPath", "emptyDir", "gcePersistentDisk",
            "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi", "glusterfs", "persistentVolumeClaim", "rbd",
            "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume",
            "quobyte", "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos", "csi",
            "ephemeral", "image");

    static List<String> volumeSources() {
        return VOLUME_SOURCES;
    }

    private static void volume(ObjectNode v) {
        if (VOLUME_SOURCES.stream().noneMatch(s -> has(v, s))) {
            v.putObject("emptyDir");
        }
        // 0644, the mode kubectl shows as 420
        for (String source : List.of("secret", "configMap", "downwardAPI", "projected")) {
            ObjectNode s = obj(v, source);
            if (s != null) {
                def(s, "defaultMode", 420);
            }
        }
        for (ObjectNode item : objects(obj(v, "downwardAPI"), "items")) {
            ObjectNode fieldRef = obj(item, "fieldRef");
            if (fieldRef != null) {
                def(fieldRef, "apiVersion", "v1");
            }
        }
        ObjectNode hostPath = obj(v, "hostPath");
        if (hostPath != null) {
            def(hostPath, "type", "");
        }
        ObjectNode ephemeralClaim = obj(obj(obj(v, "ephemeral"), "volumeClaimTemplate"), "spec");
        if (ephemeralClaim != null) {
            def(ephemeralClaim, "volumeMode", "Filesystem");
        }
    }

    private static void service(ObjectNode spec) {
        def(spec, "sessionAffinity", "None");
        if (str(spec, "sessionAffinity").equals("ClientIP")) {
            ObjectNode clientIp = with(with(spec, "sessionAffinityConfig"), "clientIP");
            def(clientIp, "timeoutSeconds", 10800);
        }
        def(spec, "type", "ClusterIP");
        String type = str(spec, "type");
        for (ObjectNode p : objects(spec, "ports")) {
            if (p == null) {
                continue;
            }
            def(p, "protocol", "TCP");
            JsonNode target = p.get("targetPort");
            boolean unset = target == null || target.isNull() || (target.isNumber() && target.asLong() == 0)
                    || (target.isTextual() && target.asText().isEmpty());
            if (unset && p.get("port") != null) {
                p.set("targetPort", p.get("port").deepCopy());
            }
        }
        if (type.equals("NodePort") || type.equals("LoadBalancer")) {
            def(spec, "externalTrafficPolicy", "Cluster");
        }
        if (type.equals("LoadBalancer")) {
            def(spec, "allocateLoadBalancerNodePorts", true);
        }
        if (!type.equals("ExternalName")) {
            def(spec, "internalTrafficPolicy", "Cluster");
            // The registry strategy picks the families on create; a single-stack IPv4 cluster
            // unless the client named an IPv6 cluster IP.
            def(spec, "ipFamilyPolicy", "SingleStack");
            if (!has(spec, "ipFamilies") || spec.get("ipFamilies").isEmpty()) {
                spec.putArray("ipFamilies").add(Names.isIpv6(str(spec, "clusterIP")) ? "IPv6" : "IPv4");
            }
        }
    }

    private static void namespace(ObjectNode ns) {
        String name = str(obj(ns, "metadata"), "name");
        if (!name.isEmpty()) {
            with(with(ns, "metadata"), "labels").put("kubernetes.io/metadata.name", name);
        }
        ObjectNode spec = with(ns, "spec");
        if (!has(spec, "finalizers")) {
            spec.putArray("finalizers").add("kubernetes");
        }
        def(with(ns, "status"), "phase", "Active");
    }

    private static void node(ObjectNode node) {
        ObjectNode status = obj(node, "status");
        ObjectNode capacity = obj(status, "capacity");
        if (capacity != null && !has(status, "allocatable")) {
            status.set("allocatable", capacity.deepCopy());
        }
    }

    private static void persistentVolumeClaim(ObjectNode pvc) {
        ObjectNode spec = obj(pvc, "spec");
        if (spec != null) {
            def(spec, "volumeMode", "Filesystem");
        }
        def(with(pvc, "status"), "phase", "Pending");
    }

    private static void limitRangeItem(ObjectNode item) {
        if (!str(item, "type").equals("Container")) {
            return;
        }
        ObjectNode defaults = with(item, "default");
        ObjectNode defaultRequest = with(item, "defaultRequest");
        copyMissing(obj(item, "max"), defaults);
        copyMissing(defaults, defaultRequest);
        copyMissing(obj(item, "min"), defaultRequest);
    }

    private static void copyMissing(ObjectNode from, ObjectNode to) {
        if (from == null) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = from.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!to.has(e.getKey())) {
                to.set(e.getKey(), e.getValue().deepCopy());
            }
        }
    }

    // --- apps ---

    private static void deployment(ObjectNode spec) {
        def(spec, "replicas", 1);
        ObjectNode strategy = with(spec, "strategy");
        def(strategy, "type", "RollingUpdate");
        if (str(strategy, "type").equals("RollingUpdate")) {
            ObjectNode rollingUpdate = with(strategy, "rollingUpdate");
            def(rollingUpdate, "maxUnavailable", "25%");
            def(rollingUpdate, "maxSurge", "25%");
        }
        def(spec, "revisionHistoryLimit", 10);
        def(spec, "progressDeadlineSeconds", 600);
        podTemplate(obj(spec, "template"), true);
    }

    private static void statefulSet(ObjectNode spec) {
        def(spec, "podManagementPolicy", "OrderedReady");
        ObjectNode strategy = with(spec, "updateStrategy");
        if (!has(strategy, "type") || str(strategy, "type").isEmpty()) {
            strategy.put("type", "RollingUpdate");
            defObject(strategy, "rollingUpdate");
        }
        ObjectNode rollingUpdate = obj(strategy, "rollingUpdate");
        if (str(strategy, "type").equals("RollingUpdate") && rollingUpdate != null) {
            def(rollingUpdate, "partition", 0);
        }
        ObjectNode retention = with(spec, "persistentVolumeClaimRetentionPolicy");
        def(retention, "whenDeleted", "Retain");
        def(retention, "whenScaled", "Retain");
        def(spec, "replicas", 1);
        def(spec, "revisionHistoryLimit", 10);
        podTemplate(obj(spec, "template"), true);
        for (ObjectNode claim : objects(spec, "volumeClaimTemplates")) {
            if (claim != null) {
                // Embedded claims are full PersistentVolumeClaim objects on the wire.
                def(claim, "apiVersion", "v1");
                def(claim, "kind", "PersistentVolumeClaim");
                persistentVolumeClaim(claim);
            }
        }
    }

    private static void daemonSet(ObjectNode spec) {
        ObjectNode strategy = with(spec, "updateStrategy");
        def(strategy, "type", "RollingUpdate");
        if (str(strategy, "type").equals("RollingUpdate")) {
            ObjectNode rollingUpdate = with(strategy, "rollingUpdate");
            def(rollingUpdate, "maxUnavailable", 1);
            def(rollingUpdate, "maxSurge", 0);
        }
        def(spec, "revisionHistoryLimit", 10);
        podTemplate(obj(spec, "template"), true);
    }

    // --- batch ---

    private static void job(ObjectNode job) {
        ObjectNode spec = obj(job, "spec");
        if (spec == null) {
            return;
        }
        // A non-parallel Job may leave both unset; a work queue sets parallelism only and keeps
        // completions unset.
        if (!has(spec, "completions") && !has(spec, "parallelism")) {
            spec.put("completions", 1);
        }
        def(spec, "parallelism", 1);
        def(spec, "backoffLimit", has(spec, "backoffLimitPerIndex") ? Integer.MAX_VALUE : 6);
        def(spec, "completionMode", "NonIndexed");
        def(spec, "suspend", false);
        ObjectNode failurePolicy = obj(spec, "podFailurePolicy");
        for (ObjectNode rule : objects(failurePolicy, "rules")) {
            for (ObjectNode condition : objects(rule, "onPodConditions")) {
                if (condition != null) {
                    def(condition, "status", "True");
                }
            }
        }
        def(spec, "podReplacementPolicy", failurePolicy != null ? "Failed" : "TerminatingOrFailed");
        copyTemplateLabels(job, spec);
        podTemplate(obj(spec, "template"), false);
    }

    private static void copyTemplateLabels(ObjectNode job, ObjectNode spec) {
        ObjectNode templateLabels = obj(obj(obj(spec, "template"), "metadata"), "labels");
        ObjectNode labels = obj(obj(job, "metadata"), "labels");
        if (templateLabels != null && !templateLabels.isEmpty() && (labels == null || labels.isEmpty())) {
            with(job, "metadata").set("labels", templateLabels.deepCopy());
        }
    }

    private static void cronJob(ObjectNode spec) {
        def(spec, "concurrencyPolicy", "Allow");
        def(spec, "suspend", false);
        def(spec, "successfulJobsHistoryLimit", 3);
        def(spec, "failedJobsHistoryLimit", 1);
        // SetDefaults_Job is registered for Job objects only, so a job template gets the pod
        // defaults but not completions, backoffLimit and the rest.
        podTemplate(obj(obj(obj(spec, "jobTemplate"), "spec"), "template"), false);
    }

    // --- autoscaling ---

    private static void horizontalPodAutoscaler(ObjectNode spec, String version) {
        def(spec, "minReplicas", 1);
        if (!version.equals("v2")) {
            return;
        }
        ArrayNode metrics = Trees.arr(spec, "metrics");
        if (metrics == null || metrics.isEmpty()) {
            ObjectNode metric = spec.putArray("metrics").addObject();
            metric.put("type", "Resource");
            ObjectNode resource = metric.putObject("resource");
            resource.put("name", "cpu");
            resource.putObject("target").put("type", "Utilization").put("averageUtilization", DEFAULT_CPU_UTILIZATION);
        }
        ObjectNode behavior = obj(spec, "behavior");
        if (behavior != null) {
            scalingRules(with(behavior, "scaleUp"), 0, new int[][] {{4, 15}}, new int[][] {{100, 15}});
            scalingRules(with(behavior, "scaleDown"), 300, new int[0][], new int[][] {{100, 15}});
        }
    }

    /** GenerateHPAScaleUpRules / GenerateHPAScaleDownRules: fill each unset part with the default. */
    private static void scalingRules(ObjectNode rules, int stabilizationWindow, int[][] podsPolicies, int[][] percentPolicies) {
        def(rules, "stabilizationWindowSeconds", stabilizationWindow);
        def(rules, "selectPolicy", "Max");
        if (!has(rules, "policies")) {
            ArrayNode policies = rules.putArray("policies");
            for (int[] p : podsPolicies) {
                policies.addObject().put("type", "Pods").put("value", p[0]).put("periodSeconds", p[1]);
            }
            for (int[] p : percentPolicies) {
                policies.addObject().put("type", "Percent").put("value", p[0]).put("periodSeconds", p[1]);
            }
        }
    }

    // --- apiextensions ---

    private static void customResourceDefinition(ObjectNode spec) {
        ObjectNode names = obj(spec, "names");
        String kind = str(names, "kind");
        if (names != null && !kind.isEmpty()) {
            def(names, "singular", kind.toLowerCase());
            def(names, "listKind", kind + "List");
        }
        ObjectNode conversion = with(spec, "conversion");
        def(conversion, "strategy", "None");
        ObjectNode service = obj(obj(obj(conversion, "webhook"), "clientConfig"), "service");
        if (service != null) {
            def(service, "port", 443);
        }
    }
}
