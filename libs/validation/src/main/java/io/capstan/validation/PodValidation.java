package io.capstan.validation;

import io.capstan.api.status.FieldError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.capstan.validation.Trees.arr;
import static io.capstan.validation.Trees.has;
import static io.capstan.validation.Trees.obj;
import static io.capstan.validation.Trees.objects;
import static io.capstan.validation.Trees.str;

/**
 * ValidatePodSpec and ValidatePodUpdate of pkg/apis/core/validation, for Pods and for the pod
 * templates of every workload. A pod spec is validated in one pass that reports every problem.
 */
final class PodValidation {
    private PodValidation() {
    }

    static final List<String> POD_RESTART_POLICIES = List.of("Always", "OnFailure", "Never");
    static final List<String> TEMPLATE_RESTART_POLICIES = List.of("Always");
    static final List<String> JOB_RESTART_POLICIES = List.of("OnFailure", "Never");

    private static final List<String> DNS_POLICIES = List.of("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None");
    private static final List<String> PULL_POLICIES = List.of("Always", "IfNotPresent", "Never");
    private static final List<String> HTTP_SCHEMES = List.of("HTTP", "HTTPS");
    private static final List<String> TAINT_EFFECTS = List.of("NoExecute", "NoSchedule", "PreferNoSchedule");
    private static final List<String> ENV_FIELD_PATHS = List.of("metadata.name", "metadata.namespace", "metadata.uid",
            "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs");
    private static final List<String> HANDLERS = List.of("exec", "httpGet", "tcpSocket", "grpc");
    private static final String FILE_MODE_ERROR = "must be a number between 0 and 0777 (octal), both inclusive";

    /**
     * Validates a pod spec at {@code path}.
     *
     * @param restartPolicies the restart policies this context allows; the first error for the
     *                        field names them when the value is missing or not among them
     * @param extraVolumes volume names provided from outside the spec (a StatefulSet's claim templates)
     */
    static void podSpec(List<FieldError> errs, ObjectNode spec, String path, List<String> restartPolicies, Set<String> extraVolumes) {
        if (spec == null) {
            errs.add(FieldError.required(path, ""));
            return;
        }
        Set<String> volumes = volumes(errs, spec, path + ".volumes");
        volumes.addAll(extraVolumes);
        List<ObjectNode> containers = objects(spec, "containers");
        List<ObjectNode> initContainers = objects(spec, "initContainers");
        if (containers.isEmpty()) {
            errs.add(FieldError.required(path + ".containers", ""));
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < containers.size(); i++) {
            container(errs, containers.get(i), path + ".containers[" + i + "]", names, volumes, false);
        }
        // Init containers share the namespace of container names, so one named like a regular
        // container is a duplicate.
        Set<String> initNames = new HashSet<>(names);
        for (int i = 0; i < initContainers.size(); i++) {
            container(errs, initContainers.get(i), path + ".initContainers[" + i + "]", initNames, volumes, true);
        }
        hostPorts(errs, containers, path + ".containers");
        hostPorts(errs, initContainers, path + ".initContainers");

        String restartPolicy = str(spec, "restartPolicy");
        if (restartPolicy.isEmpty()) {
            errs.add(FieldError.required(path + ".restartPolicy",
                    restartPolicies == JOB_RESTART_POLICIES ? "valid values: " + Checks.quoted(restartPolicies) : ""));
        } else if (!restartPolicies.contains(restartPolicy)) {
            errs.add(FieldError.notSupported(path + ".restartPolicy", restartPolicy, restartPolicies));
        }
        Checks.oneOf(errs, spec, "dnsPolicy", path + ".dnsPolicy", DNS_POLICIES);
        Checks.labels(errs, obj(spec, "nodeSelector"), path + ".nodeSelector");
        subdomainIfSet(errs, spec, "serviceAccountName", path);
        subdomainIfSet(errs, spec, "nodeName", path);
        subdomainIfSet(errs, spec, "priorityClassName", path);
        for (String field : List.of("hostname", "subdomain")) {
            if (!str(spec, field).isEmpty()) {
                Checks.each(errs, path + "." + field, str(spec, field), Names.dns1123Label(str(spec, field)));
            }
        }
        Long deadline = Trees.num(spec, "activeDeadlineSeconds");
        if (deadline != null && (deadline < 1 || deadline > Integer.MAX_VALUE)) {
            errs.add(FieldError.invalid(path + ".activeDeadlineSeconds", deadline, "must be between 1 and 2147483647, inclusive"));
        }
        tolerations(errs, objects(spec, "tolerations"), path + ".tolerations");
    }

    private static void subdomainIfSet(List<FieldError> errs, ObjectNode spec, String field, String path) {
        String v = str(spec, field);
        if (!v.isEmpty()) {
            Checks.each(errs, path + "." + field, v, Names.dns1123Subdomain(v));
        }
    }

    private static Set<String> volumes(List<FieldError> errs, ObjectNode spec, String path) {
        Set<String> names = new LinkedHashSet<>();
        List<ObjectNode> volumes = objects(spec, "volumes");
        for (int i = 0; i < volumes.size(); i++) {
            ObjectNode v = volumes.get(i);
            String p = path + "[" + i + "]";
            String name = str(v, "name");
            if (name.isEmpty()) {
                errs.add(FieldError.required(p + ".name", ""));
            } else {
                List<String> msgs = Names.dns1123Label(name);
                Checks.each(errs, p + ".name", name, msgs);
                if (msgs.isEmpty() && !names.add(name)) {
                    errs.add(FieldError.duplicate(p + ".name", name));
                }
            }
            List<String> sources = Defaults.volumeSources().stream().filter(s -> has(v, s)).toList();
            if (sources.isEmpty()) {
                errs.add(FieldError.required(p, "must specify a volume type"));
            } else if (sources.size() > 1) {
                errs.add(FieldError.forbidden(p + "." + sources.get(1), "may not specify more than 1 volume type"));
            }
            requiredIn(errs, v, "configMap", "name", p);
            requiredIn(errs, v, "secret", "secretName", p);
            requiredIn(errs, v, "persistentVolumeClaim", "claimName", p);
            requiredIn(errs, v, "hostPath", "path", p);
            for (String source : List.of("secret", "configMap", "downwardAPI", "projected")) {
                Long mode = Trees.num(obj(v, source), "defaultMode");
                if (mode != null && (mode < 0 || mode > 0777)) {
                    errs.add(FieldError.invalid(p + "." + source + ".defaultMode", mode, FILE_MODE_ERROR));
                }
            }
        }
        return names;
    }

    private static void requiredIn(List<FieldError> errs, ObjectNode volume, String source, String field, String path) {
        ObjectNode s = obj(volume, source);
        if (s != null && str(s, field).isEmpty()) {
            errs.add(FieldError.required(path + "." + source + "." + field, ""));
        }
    }

    private static void container(List<FieldError> errs, ObjectNode c, String path, Set<String> names, Set<String> volumes,
                                  boolean init) {
        String name = str(c, "name");
        if (name.isEmpty()) {
            errs.add(FieldError.required(path + ".name", ""));
        } else {
            List<String> msgs = Names.dns1123Label(name);
            Checks.each(errs, path + ".name", name, msgs);
            if (msgs.isEmpty() && !names.add(name)) {
                errs.add(FieldError.duplicate(path + ".name", name));
            }
        }
        String image = str(c, "image");
        if (image.isEmpty()) {
            errs.add(FieldError.required(path + ".image", ""));
        } else if (!image.equals(image.strip())) {
            errs.add(FieldError.invalid(path + ".image", image, "must not have leading or trailing whitespace"));
        }
        Checks.oneOf(errs, c, "imagePullPolicy", path + ".imagePullPolicy", PULL_POLICIES);
        String messagePolicy = str(c, "terminationMessagePolicy");
        if (messagePolicy.isEmpty()) {
            errs.add(FieldError.required(path + ".terminationMessagePolicy", ""));
        } else if (!messagePolicy.equals("File") && !messagePolicy.equals("FallbackToLogsOnError")) {
            errs.add(FieldError.invalid(path + ".terminationMessagePolicy", messagePolicy, "must be 'File' or 'FallbackToLogsOnError'"));
        }
        ports(errs, objects(c, "ports"), path + ".ports");
        env(errs, objects(c, "env"), path + ".env");
        volumeMounts(errs, objects(c, "volumeMounts"), path + ".volumeMounts", volumes);
        boolean sidecar = init && str(c, "restartPolicy").equals("Always");
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            ObjectNode p = obj(c, probe);
            if (p == null) {
                continue;
            }
            if (init && !sidecar) {
                errs.add(FieldError.forbidden(path + "." + probe, "may not be set for init containers without restartPolicy=Always"));
                continue;
            }
            probe(errs, p, path + "." + probe);
            Long success = Trees.num(p, "successThreshold");
            if (!probe.equals("readinessProbe") && success != null && success != 1) {
                errs.add(FieldError.invalid(path + "." + probe + ".successThreshold", success, "must be 1"));
            }
        }
        resources(errs, obj(c, "resources"), path + ".resources");
    }

    private static void ports(List<FieldError> errs, List<ObjectNode> ports, String path) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            ObjectNode port = ports.get(i);
            String p = path + "[" + i + "]";
            String name = str(port, "name");
            if (!name.isEmpty()) {
                List<String> msgs = Names.portName(name);
                Checks.each(errs, p + ".name", name, msgs);
                if (msgs.isEmpty() && !names.add(name)) {
                    errs.add(FieldError.duplicate(p + ".name", name));
                }
            }
            Long containerPort = Trees.num(port, "containerPort");
            if (containerPort == null || containerPort == 0) {
                errs.add(FieldError.required(p + ".containerPort", ""));
            } else {
                Checks.each(errs, p + ".containerPort", containerPort, Names.portNum(containerPort));
            }
            Long hostPort = Trees.num(port, "hostPort");
            if (hostPort != null && hostPort != 0) {
                Checks.each(errs, p + ".hostPort", hostPort, Names.portNum(hostPort));
            }
            Checks.oneOf(errs, port, "protocol", p + ".protocol", Checks.PROTOCOLS);
        }
    }

    /** AccumulateUniqueHostPorts: two ports may not claim the same host IP, protocol and port. */
    private static void hostPorts(List<FieldError> errs, List<ObjectNode> containers, String path) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < containers.size(); i++) {
            List<ObjectNode> ports = objects(containers.get(i), "ports");
            for (int j = 0; j < ports.size(); j++) {
                Long hostPort = Trees.num(ports.get(j), "hostPort");
                if (hostPort == null || hostPort == 0) {
                    continue;
                }
                String key = str(ports.get(j), "hostIP") + "/" + str(ports.get(j), "protocol") + "/" + hostPort;
                if (!seen.add(key)) {
                    errs.add(FieldError.duplicate(path + "[" + i + "].ports[" + j + "].hostPort", key));
                }
            }
        }
    }

    private static void env(List<FieldError> errs, List<ObjectNode> env, String path) {
        for (int i = 0; i < env.size(); i++) {
            ObjectNode e = env.get(i);
            String p = path + "[" + i + "]";
            String name = str(e, "name");
            if (name.isEmpty()) {
                errs.add(FieldError.required(p + ".name", ""));
            } else {
                Checks.each(errs, p + ".name", name, Names.envVarName(name));
            }
            ObjectNode from = obj(e, "valueFrom");
            if (from == null) {
                continue;
            }
            String fp = p + ".valueFrom";
            int sources = 0;
            ObjectNode fieldRef = obj(from, "fieldRef");
            if (fieldRef != null) {
                sources++;
                if (str(fieldRef, "apiVersion").isEmpty()) {
                    errs.add(FieldError.required(fp + ".fieldRef.apiVersion", ""));
                }
                String fieldPath = str(fieldRef, "fieldPath");
                if (fieldPath.isEmpty()) {
                    errs.add(FieldError.required(fp + ".fieldRef.fieldPath", ""));
                } else if (!ENV_FIELD_PATHS.contains(fieldPath) && !fieldPath.matches("metadata\\.(labels|annotations)\\['[^']+'\\]")) {
                    errs.add(FieldError.notSupported(fp + ".fieldRef.fieldPath", fieldPath, ENV_FIELD_PATHS));
                }
            }
            ObjectNode resourceFieldRef = obj(from, "resourceFieldRef");
            if (resourceFieldRef != null) {
                sources++;
                if (str(resourceFieldRef, "resource").isEmpty()) {
                    errs.add(FieldError.required(fp + ".resourceFieldRef.resource", ""));
                }
            }
            for (String ref : List.of("configMapKeyRef", "secretKeyRef")) {
                ObjectNode keyRef = obj(from, ref);
                if (keyRef == null) {
                    continue;
                }
                sources++;
                String key = str(keyRef, "key");
                if (key.isEmpty()) {
                    errs.add(FieldError.required(fp + "." + ref + ".key", ""));
                } else {
                    Checks.each(errs, fp + "." + ref + ".key", key, Names.configMapKey(key));
                }
                String refName = str(keyRef, "name");
                if (!refName.isEmpty()) {
                    Checks.each(errs, fp + "." + ref + ".name", refName, Names.dns1123Subdomain(refName));
                }
            }
            if (sources == 0) {
                errs.add(FieldError.invalid(fp, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
            } else if (!str(e, "value").isEmpty()) {
                errs.add(FieldError.invalid(fp, "", "may not be specified when `value` is not empty"));
            } else if (sources > 1) {
                errs.add(FieldError.invalid(fp, "", "may not have more than one field specified at a time"));
            }
        }
    }

    private static void volumeMounts(List<FieldError> errs, List<ObjectNode> mounts, String path, Set<String> volumes) {
        Set<String> mountPoints = new HashSet<>();
        for (int i = 0; i < mounts.size(); i++) {
            ObjectNode m = mounts.get(i);
            String p = path + "[" + i + "]";
            String name = str(m, "name");
            if (name.isEmpty()) {
                errs.add(FieldError.required(p + ".name", ""));
            }
            if (!volumes.contains(name)) {
                errs.add(FieldError.notFound(p + ".name", name));
            }
            String mountPath = str(m, "mountPath");
            if (mountPath.isEmpty()) {
                errs.add(FieldError.required(p + ".mountPath", ""));
            } else if (!mountPoints.add(mountPath)) {
                errs.add(FieldError.invalid(p + ".mountPath", mountPath, "must be unique"));
            }
            String subPath = str(m, "subPath");
            if (subPath.startsWith("/")) {
                errs.add(FieldError.invalid(p + ".subPath", subPath, "must be a relative path"));
            } else if (List.of(subPath.split("/")).contains("..")) {
                errs.add(FieldError.invalid(p + ".subPath", subPath, "must not contain '..'"));
            }
        }
    }

    private static void probe(List<FieldError> errs, ObjectNode probe, String path) {
        List<String> handlers = HANDLERS.stream().filter(h -> has(probe, h)).toList();
        if (handlers.isEmpty()) {
            errs.add(FieldError.required(path, "must specify a handler type"));
        } else if (handlers.size() > 1) {
            errs.add(FieldError.forbidden(path + "." + handlers.get(1), "may not specify more than 1 handler type"));
        }
        ObjectNode exec = obj(probe, "exec");
        if (exec != null && (arr(exec, "command") == null || arr(exec, "command").isEmpty())) {
            errs.add(FieldError.required(path + ".exec.command", ""));
        }
        ObjectNode httpGet = obj(probe, "httpGet");
        if (httpGet != null) {
            if (str(httpGet, "path").isEmpty()) {
                errs.add(FieldError.required(path + ".httpGet.path", ""));
            }
            Checks.portNumOrName(errs, httpGet.get("port"), path + ".httpGet.port");
            Checks.oneOf(errs, httpGet, "scheme", path + ".httpGet.scheme", HTTP_SCHEMES);
        }
        ObjectNode tcpSocket = obj(probe, "tcpSocket");
        if (tcpSocket != null) {
            Checks.portNumOrName(errs, tcpSocket.get("port"), path + ".tcpSocket.port");
        }
        ObjectNode grpc = obj(probe, "grpc");
        if (grpc != null) {
            long port = Trees.num(grpc, "port") == null ? 0 : Trees.num(grpc, "port");
            Checks.each(errs, path + ".grpc.port", port, Names.portNum(port));
        }
        for (String field : List.of("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold")) {
            Checks.nonNegative(errs, probe, field, path + "." + field);
        }
        Long grace = Trees.num(probe, "terminationGracePeriodSeconds");
        if (grace != null && grace <= 0) {
            errs.add(FieldError.invalid(path + ".terminationGracePeriodSeconds", grace, "must be greater than 0"));
        }
    }

    /** ValidateResourceRequirements: valid names and quantities, and no request above its limit. */
    static void resources(List<FieldError> errs, ObjectNode resources, String path) {
        ObjectNode limits = obj(resources, "limits");
        ObjectNode requests = obj(resources, "requests");
        java.util.Map<String, BigDecimal> limitValues = new java.util.HashMap<>();
        for (Map.Entry<String, JsonNode> e : entries(limits)) {
            String p = path + ".limits[" + e.getKey() + "]";
            resourceName(errs, e.getKey(), p);
            BigDecimal q = Checks.quantity(errs, e.getValue(), p);
            if (q != null) {
                limitValues.put(e.getKey(), q);
            }
        }
        for (Map.Entry<String, JsonNode> e : entries(requests)) {
            String p = path + ".requests[" + e.getKey() + "]";
            resourceName(errs, e.getKey(), p);
            BigDecimal q = Checks.quantity(errs, e.getValue(), p);
            BigDecimal limit = limitValues.get(e.getKey());
            if (q == null || limit == null) {
                continue;
            }
            String request = e.getValue().asText();
            String limitText = limits.get(e.getKey()).asText();
            boolean overcommit = !e.getKey().startsWith("hugepages-") && (!e.getKey().contains("/") || e.getKey().startsWith("kubernetes.io/"));
            if (!overcommit && q.compareTo(limit) != 0) {
                errs.add(FieldError.invalid(path + ".requests", request, "must be equal to " + e.getKey() + " limit of " + limitText));
            } else if (q.compareTo(limit) > 0) {
                errs.add(FieldError.invalid(path + ".requests", request,
                        "must be less than or equal to " + e.getKey() + " limit of " + limitText));
            }
        }
    }

    private static void resourceName(List<FieldError> errs, String name, String path) {
        List<String> msgs = Names.qualifiedName(name);
        Checks.each(errs, path, name, msgs);
        boolean standard = name.equals("cpu") || name.equals("memory") || name.equals("ephemeral-storage") || name.startsWith("hugepages-");
        if (msgs.isEmpty() && !name.contains("/") && !standard) {
            errs.add(FieldError.invalid(path, name, "must be a standard resource for containers"));
        }
    }

    private static List<Map.Entry<String, JsonNode>> entries(ObjectNode o) {
        List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
        if (o != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                out.add(it.next());
            }
        }
        return out;
    }

    private static void tolerations(List<FieldError> errs, List<ObjectNode> tolerations, String path) {
        for (int i = 0; i < tolerations.size(); i++) {
            ObjectNode t = tolerations.get(i);
            String p = path + "[" + i + "]";
            String key = str(t, "key");
            String operator = str(t, "operator");
            if (!key.isEmpty()) {
                Checks.each(errs, p + ".key", key, Names.qualifiedName(key));
            } else if (!operator.equals("Exists")) {
                errs.add(FieldError.invalid(p + ".operator", operator,
                        "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
            }
            if (has(t, "tolerationSeconds") && !str(t, "effect").equals("NoExecute")) {
                errs.add(FieldError.invalid(p + ".effect", str(t, "effect"), "effect must be 'NoExecute' when `tolerationSeconds` is set"));
            }
            switch (operator) {
                case "", "Equal" -> { }
                case "Exists" -> {
                    if (!str(t, "value").isEmpty()) {
                        errs.add(FieldError.invalid(p + ".operator", str(t, "value"), "value must be empty when `operator` is 'Exists'"));
                    }
                }
                default -> errs.add(FieldError.notSupported(p + ".operator", operator, List.of("Equal", "Exists")));
            }
            if (!str(t, "effect").isEmpty() && !TAINT_EFFECTS.contains(str(t, "effect"))) {
                errs.add(FieldError.notSupported(p + ".effect", str(t, "effect"), TAINT_EFFECTS));
            }
        }
    }

    static final String POD_UPDATE_MESSAGE = "pod updates may not change fields other than "
            + "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
            + "`spec.tolerations` (only additions to existing tolerations),"
            + "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

    /**
     * ValidatePodUpdate's spec rule: take the new spec, put back the old values of the fields a
     * pod update may change, and anything still different is forbidden. kube appends a Go diff of
     * the specs; Capstan names the differing top-level fields instead.
     */
    static void podSpecUpdate(List<FieldError> errs, ObjectNode spec, ObjectNode oldSpec) {
        if (spec == null || oldSpec == null) {
            return;
        }
        ObjectNode munged = spec.deepCopy();
        for (String list : List.of("containers", "initContainers")) {
            List<ObjectNode> now = objects(munged, list);
            List<ObjectNode> before = objects(oldSpec, list);
            for (int i = 0; i < Math.min(now.size(), before.size()); i++) {
                if (now.get(i) != null && before.get(i) != null && has(before.get(i), "image")) {
                    now.get(i).set("image", before.get(i).get("image"));
                }
            }
        }
        Long oldDeadline = Trees.num(oldSpec, "activeDeadlineSeconds");
        Long newDeadline = Trees.num(spec, "activeDeadlineSeconds");
        // The deadline may be set, or lowered, but never removed or raised.
        if (newDeadline != null && (oldDeadline == null || newDeadline <= oldDeadline)) {
            restore(munged, oldSpec, "activeDeadlineSeconds");
        }
        ArrayNode oldTolerations = arr(oldSpec, "tolerations");
        ArrayNode newTolerations = arr(spec, "tolerations");
        if (newTolerations != null && isPrefix(oldTolerations, newTolerations)) {
            restore(munged, oldSpec, "tolerations");
        }
        Long oldGrace = Trees.num(oldSpec, "terminationGracePeriodSeconds");
        Long newGrace = Trees.num(spec, "terminationGracePeriodSeconds");
        if (oldGrace != null && oldGrace < 0 && newGrace != null && newGrace == 1) {
            restore(munged, oldSpec, "terminationGracePeriodSeconds");
        }
        if (!munged.equals(oldSpec)) {
            Set<String> changed = new java.util.TreeSet<>();
            Set<String> fields = new HashSet<>(Checks.fieldNames(munged));
            fields.addAll(Checks.fieldNames(oldSpec));
            for (String f : fields) {
                if (!java.util.Objects.equals(munged.get(f), oldSpec.get(f))) {
                    changed.add("spec." + f);
                }
            }
            errs.add(FieldError.forbidden("spec", POD_UPDATE_MESSAGE + "\nchanged: " + String.join(", ", changed)));
        }
    }

    private static void restore(ObjectNode munged, ObjectNode old, String field) {
        if (old.has(field)) {
            munged.set(field, old.get(field).deepCopy());
        } else {
            munged.remove(field);
        }
    }

    private static boolean isPrefix(ArrayNode prefix, ArrayNode all) {
        int n = prefix == null ? 0 : prefix.size();
        if (n > all.size()) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (!prefix.get(i).equals(all.get(i))) {
                return false;
            }
        }
        return true;
    }
}
