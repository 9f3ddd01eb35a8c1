package io.capstan.printers;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static io.capstan.printers.Column.age;
import static io.capstan.printers.Column.bool;
import static io.capstan.printers.Column.integer;
import static io.capstan.printers.Column.nameColumn;
import static io.capstan.printers.Column.str;
import static io.capstan.printers.Column.wide;
import static io.capstan.printers.Fields.at;
import static io.capstan.printers.Fields.list;
import static io.capstan.printers.Fields.orElse;
import static io.capstan.printers.Fields.present;
import static io.capstan.printers.Fields.size;
import static io.capstan.printers.Fields.text;

/**
 * The column sets and cell functions of {@code pkg/printers/internalversion/printers.go}, keyed by
 * group and kind (every served version of a kind shares one printer, as the apiserver prints the
 * internal version). Istio kinds use the additionalPrinterColumns of Istio's own CRDs.
 */
final class BuiltinPrinters {

    private static final String CONTAINERS_DOC = "Names of each container in the template.";
    private static final String IMAGES_DOC = "Images referenced by each container in the template.";
    private static final String SELECTOR_DOC = "Label query over pods that should match the replica count.";

    private static final Map<String, KindPrinter> PRINTERS = new HashMap<>();

    static {
        register("", "Pod", PodPrinter.PRINTER);
        register("", "Service", new KindPrinter(List.of(nameColumn(),
                str("Type", "type determines how the Service is exposed."),
                str("Cluster-IP", "clusterIP is the IP address of the service and is usually assigned randomly."),
                str("External-IP", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
                str("Port(s)", "The list of ports that are exposed by this service."),
                age(),
                wide("Selector", "Route service traffic to pods with label keys and values matching this selector.")),
                BuiltinPrinters::service));
        register("apps", "Deployment", new KindPrinter(List.of(nameColumn(),
                str("Ready", "Number of the pod with ready state"),
                str("Up-to-date", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
                str("Available", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
                age(),
                wide("Containers", CONTAINERS_DOC), wide("Images", IMAGES_DOC),
                wide("Selector", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.")),
                (o, now) -> {
                    List<Object> cells = cells(Fields.name(o),
                            Fields.integer(o, "status", "readyReplicas") + "/" + replicas(o),
                            Fields.integer(o, "status", "updatedReplicas"),
                            Fields.integer(o, "status", "availableReplicas"),
                            Fields.age(o, now));
                    addContainers(cells, at(o, "spec", "template", "spec"));
                    cells.add(Selectors.selectorString(at(o, "spec", "selector")));
                    return cells;
                }));
        register("apps", "ReplicaSet", new KindPrinter(List.of(nameColumn(),
                integer("Desired", "Replicas is the number of desired replicas."),
                integer("Current", "Replicas is the most recently observed number of replicas."),
                integer("Ready", "The number of ready replicas for this replica set."),
                age(),
                wide("Containers", CONTAINERS_DOC), wide("Images", IMAGES_DOC), wide("Selector", SELECTOR_DOC)),
                (o, now) -> {
                    List<Object> cells = cells(Fields.name(o), replicas(o),
                            Fields.integer(o, "status", "replicas"), Fields.integer(o, "status", "readyReplicas"),
                            Fields.age(o, now));
                    addContainers(cells, at(o, "spec", "template", "spec"));
                    cells.add(Selectors.formatLabelSelector(at(o, "spec", "selector")));
                    return cells;
                }));
        register("apps", "StatefulSet", new KindPrinter(List.of(nameColumn(),
                str("Ready", "Number of the pod with ready state"), age(),
                wide("Containers", CONTAINERS_DOC), wide("Images", IMAGES_DOC)),
                (o, now) -> {
                    List<Object> cells = cells(Fields.name(o),
                            Fields.integer(o, "status", "readyReplicas") + "/" + replicas(o), Fields.age(o, now));
                    addContainers(cells, at(o, "spec", "template", "spec"));
                    return cells;
                }));
        register("apps", "DaemonSet", new KindPrinter(List.of(nameColumn(),
                integer("Desired", "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod)."),
                integer("Current", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
                integer("Ready", "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition."),
                integer("Up-to-date", "The total number of nodes that are running updated daemon pod"),
                integer("Available", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
                str("Node Selector", "NodeSelector is a selector which must be true for the pod to fit on a node."),
                age(),
                wide("Containers", CONTAINERS_DOC), wide("Images", IMAGES_DOC),
                wide("Selector", "A label query over pods that are managed by the daemon set.")),
                (o, now) -> {
                    JsonNode s = o.path("status");
                    List<Object> cells = cells(Fields.name(o),
                            Fields.integer(s, "desiredNumberScheduled"), Fields.integer(s, "currentNumberScheduled"),
                            Fields.integer(s, "numberReady"), Fields.integer(s, "updatedNumberScheduled"),
                            Fields.integer(s, "numberAvailable"),
                            Selectors.formatLabels(at(o, "spec", "template", "spec", "nodeSelector")),
                            Fields.age(o, now));
                    addContainers(cells, at(o, "spec", "template", "spec"));
                    cells.add(Selectors.formatLabelSelector(at(o, "spec", "selector")));
                    return cells;
                }));
        register("apps", "ControllerRevision", new KindPrinter(List.of(nameColumn(),
                str("Controller", "Controller of the object"),
                str("Revision", "Revision indicates the revision of the state represented by Data."), age()),
                (o, now) -> cells(Fields.name(o), controllerOf(o), Fields.integer(o, "revision"), Fields.age(o, now))));
        register("batch", "Job", new KindPrinter(List.of(nameColumn(),
                str("Status", "Status of the job."),
                str("Completions", "The number of pods which reached phase Succeeded."),
                str("Duration", "Time required to complete the job."),
                age(),
                wide("Containers", CONTAINERS_DOC), wide("Images", IMAGES_DOC),
                wide("Selector", "A label query over pods that should match the pod count.")),
                (o, now) -> {
                    List<Object> cells = cells(Fields.name(o), jobStatus(o), jobCompletions(o), jobDuration(o, now),
                            Fields.age(o, now));
                    addContainers(cells, at(o, "spec", "template", "spec"));
                    cells.add(Selectors.formatLabelSelector(at(o, "spec", "selector")));
                    return cells;
                }));
        register("batch", "CronJob", new KindPrinter(List.of(nameColumn(),
                str("Schedule", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
                str("Timezone", "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
                bool("Suspend", "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions."),
                integer("Active", "A list of pointers to currently running jobs."),
                str("Last Schedule", "Information when was the last time the job was successfully scheduled."),
                age(),
                wide("Containers", CONTAINERS_DOC), wide("Images", IMAGES_DOC),
                wide("Selector", "A label query over pods that should match the pod count.")),
                (o, now) -> {
                    JsonNode lastSchedule = at(o, "status", "lastScheduleTime");
                    List<Object> cells = cells(Fields.name(o), text(o, "spec", "schedule"),
                            orElse(text(o, "spec", "timeZone"), "<none>"),
                            boolPtr(at(o, "spec", "suspend")),
                            (long) size(o, "status", "active"),
                            lastSchedule.isMissingNode() || lastSchedule.isNull() ? "<none>"
                                    : HumanDuration.since(Fields.time(o, "status", "lastScheduleTime"), now),
                            Fields.age(o, now));
                    JsonNode jobSpec = at(o, "spec", "jobTemplate", "spec");
                    addContainers(cells, at(jobSpec, "template", "spec"));
                    cells.add(Selectors.formatLabelSelector(jobSpec.path("selector")));
                    return cells;
                }));
        register("", "Namespace", new KindPrinter(List.of(nameColumn(), str("Status", "The status of the namespace"), age()),
                (o, now) -> cells(Fields.name(o), text(o, "status", "phase"), Fields.age(o, now))));
        register("", "Node", new KindPrinter(List.of(nameColumn(),
                str("Status", "The status of the node"),
                str("Roles", "The roles of the node"),
                age(),
                str("Version", "Kubelet Version reported by the node."),
                wide("Internal-IP", "List of addresses reachable to the node."),
                wide("External-IP", "List of addresses reachable to the node."),
                wide("OS-Image", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."),
                wide("Kernel-Version", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
                wide("Container-Runtime", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).")),
                BuiltinPrinters::node));
        register("", "ConfigMap", new KindPrinter(List.of(nameColumn(),
                str("Data", "Data contains the configuration data."), age()),
                (o, now) -> cells(Fields.name(o), (long) (size(o, "data") + size(o, "binaryData")), Fields.age(o, now))));
        register("", "Secret", new KindPrinter(List.of(nameColumn(),
                str("Type", "Used to facilitate programmatic handling of secret data."),
                str("Data", "Data contains the secret data."), age()),
                (o, now) -> cells(Fields.name(o), text(o, "type"), (long) size(o, "data"), Fields.age(o, now))));
        register("", "ServiceAccount", new KindPrinter(List.of(nameColumn(),
                str("Secrets", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."),
                age()),
                (o, now) -> cells(Fields.name(o), (long) size(o, "secrets"), Fields.age(o, now))));
        register("", "Endpoints", new KindPrinter(List.of(nameColumn(),
                str("Endpoints", "The set of all endpoints is the union of all subsets."), age()),
                (o, now) -> cells(Fields.name(o), endpoints(o), Fields.age(o, now))));
        register("discovery.k8s.io", "EndpointSlice", new KindPrinter(List.of(nameColumn(),
                str("AddressType", "addressType specifies the type of address carried by this EndpointSlice."),
                str("Ports", "ports specifies the list of network ports exposed by each endpoint in this slice."),
                str("Endpoints", "endpoints is a list of unique endpoints in this slice."), age()),
                (o, now) -> cells(Fields.name(o), text(o, "addressType"), slicePorts(o), sliceEndpoints(o), Fields.age(o, now))));
        register("", "Event", new KindPrinter(List.of(
                str("Last Seen", "The time at which the most recent occurrence of this event was recorded."),
                str("Type", "Type of this event (Normal, Warning), new types could be added in the future"),
                str("Reason", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
                str("Object", "The object that this event is about."),
                wide("Subobject", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement."),
                wide("Source", "The component reporting this event. Should be a short machine understandable string."),
                str("Message", "A human-readable description of the status of this operation."),
                wide("First Seen", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)"),
                wide("Count", "The number of times this event has occurred."),
                new Column("Name", "string", "name", Column.NAME_DOC, 1)),
                BuiltinPrinters::event));
        register("", "PersistentVolume", new KindPrinter(List.of(nameColumn(),
                str("Capacity", "capacity is the description of the persistent volume's resources and capacity."),
                str("Access Modes", "accessModes contains all ways the volume can be mounted."),
                str("Reclaim Policy", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim."),
                str("Status", "phase indicates if a volume is available, bound to a claim, or released by a claim."),
                str("Claim", "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim."),
                str("StorageClass", "StorageClass of the pv"),
                str("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
                str("Reason", "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
                age(),
                wide("VolumeMode", "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.")),
                BuiltinPrinters::persistentVolume));
        register("", "PersistentVolumeClaim", new KindPrinter(List.of(nameColumn(),
                str("Status", "phase represents the current phase of PersistentVolumeClaim."),
                str("Volume", "volumeName is the binding reference to the PersistentVolume backing this claim."),
                str("Capacity", "capacity represents the actual resources of the underlying volume."),
                str("Access Modes", "accessModes contains the actual access modes the volume backing the PVC has."),
                str("StorageClass", "StorageClass of the pvc"),
                str("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
                age(),
                wide("VolumeMode", "volumeMode defines what type of volume is required by the claim.")),
                BuiltinPrinters::persistentVolumeClaim));
        register("", "ResourceQuota", new KindPrinter(List.of(nameColumn(),
                str("Request", "Request represents a minimum amount of cpu/memory that a container may consume."),
                str("Limit", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."),
                age()),
                BuiltinPrinters::resourceQuota));
        register("autoscaling", "HorizontalPodAutoscaler", new KindPrinter(List.of(nameColumn(),
                str("Reference", "reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource."),
                str("Targets", "metrics contains the specifications for which to use to calculate the desired replica count."),
                str("MinPods", "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down."),
                str("MaxPods", "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up."),
                str("Replicas", "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler."),
                age()),
                (o, now) -> cells(Fields.name(o),
                        text(o, "spec", "scaleTargetRef", "kind") + "/" + text(o, "spec", "scaleTargetRef", "name"),
                        HpaTargets.format(o),
                        present(o, "spec", "minReplicas") ? Long.toString(Fields.integer(o, "spec", "minReplicas")) : "<unset>",
                        Fields.integer(o, "spec", "maxReplicas"),
                        Fields.integer(o, "status", "currentReplicas"),
                        Fields.age(o, now))));
        register("coordination.k8s.io", "Lease", new KindPrinter(List.of(nameColumn(),
                str("Holder", "holderIdentity contains the identity of the holder of a current lease."), age()),
                (o, now) -> cells(Fields.name(o), text(o, "spec", "holderIdentity"), Fields.age(o, now))));
        register("storage.k8s.io", "StorageClass", new KindPrinter(List.of(nameColumn(),
                str("Provisioner", "provisioner indicates the type of the provisioner."),
                str("ReclaimPolicy", "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class."),
                str("VolumeBindingMode", "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound."),
                str("AllowVolumeExpansion", "allowVolumeExpansion shows whether the storage class allow volume expand."),
                age()),
                (o, now) -> cells(
                        Fields.name(o) + (isDefaultClass(o) ? " (default)" : ""),
                        text(o, "provisioner"),
                        orElse(text(o, "reclaimPolicy"), "Delete"),
                        orElse(text(o, "volumeBindingMode"), "Immediate"),
                        o.path("allowVolumeExpansion").asBoolean(false),
                        Fields.age(o, now))));
        register("scheduling.k8s.io", "PriorityClass", new KindPrinter(List.of(nameColumn(),
                integer("Value", "value represents the integer value of this priority class."),
                bool("Global-Default", "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class."),
                age(),
                str("PreemptionPolicy", "preemptionPolicy is the Policy for preempting pods with lower priority.")),
                (o, now) -> cells(Fields.name(o), Fields.integer(o, "value"), o.path("globalDefault").asBoolean(false),
                        Fields.age(o, now), orElse(text(o, "preemptionPolicy"), "PreemptLowerPriority"))));
        IstioPrinters.register(BuiltinPrinters::register);
    }

    private BuiltinPrinters() {
    }

    /** The printer of a built-in kind, or null when Kubernetes has none (it then uses the default Name/Created At). */
    static KindPrinter lookup(String group, String kind) {
        return PRINTERS.get(group + "/" + kind);
    }

    private static void register(String group, String kind, KindPrinter printer) {
        PRINTERS.put(group + "/" + kind, printer);
    }

    static List<Object> cells(Object... values) {
        return new ArrayList<>(Arrays.asList(values));
    }

    /** spec.replicas; the apiserver defaults it to 1, so an absent value reads as 1. */
    private static long replicas(JsonNode o) {
        JsonNode r = at(o, "spec", "replicas");
        return r.isNumber() ? r.asLong() : 1;
    }

    /** layoutContainerCells: comma-joined names and images. */
    private static void addContainers(List<Object> cells, JsonNode podSpec) {
        List<String> names = new ArrayList<>();
        List<String> images = new ArrayList<>();
        for (JsonNode c : podSpec.path("containers")) {
            names.add(text(c, "name"));
            images.add(text(c, "image"));
        }
        cells.add(String.join(",", names));
        cells.add(String.join(",", images));
    }

    private static String boolPtr(JsonNode value) {
        if (value.isMissingNode() || value.isNull()) {
            return "<unset>";
        }
        return value.asBoolean() ? "True" : "False";
    }

    private static List<Object> service(JsonNode o, Instant now) {
        JsonNode spec = o.path("spec");
        // stored services are defaulted; absent type and protocol are the defaults the apiserver would have set
        String type = orElse(text(spec, "type"), "ClusterIP");
        String clusterIp = "<none>";
        if (spec.path("clusterIPs").isArray() && !spec.path("clusterIPs").isEmpty()) {
            clusterIp = spec.path("clusterIPs").get(0).asText();
        } else if (!text(spec, "clusterIP").isEmpty()) {
            clusterIp = text(spec, "clusterIP");
        }
        List<String> ports = new ArrayList<>();
        for (JsonNode p : spec.path("ports")) {
            String protocol = orElse(text(p, "protocol"), "TCP");
            long nodePort = Fields.integer(p, "nodePort");
            ports.add(nodePort > 0 ? Fields.integer(p, "port") + ":" + nodePort + "/" + protocol
                    : Fields.integer(p, "port") + "/" + protocol);
        }
        return cells(Fields.name(o), type, clusterIp, externalIp(type, spec, o.path("status")),
                ports.isEmpty() ? "<none>" : String.join(",", ports), Fields.age(o, now),
                Selectors.formatLabels(spec.path("selector")));
    }

    /** getServiceExternalIP, in its wide form (the apiserver renders wide, so long ingress lists are not clipped). */
    private static String externalIp(String type, JsonNode spec, JsonNode status) {
        List<String> externalIps = new ArrayList<>();
        spec.path("externalIPs").forEach(ip -> externalIps.add(ip.asText()));
        switch (type) {
            case "ClusterIP":
            case "NodePort":
                return externalIps.isEmpty() ? "<none>" : String.join(",", externalIps);
            case "LoadBalancer": {
                Set<String> lb = new TreeSet<>();
                for (JsonNode ingress : status.path("loadBalancer").path("ingress")) {
                    if (!text(ingress, "ip").isEmpty()) {
                        lb.add(text(ingress, "ip"));
                    } else if (!text(ingress, "hostname").isEmpty()) {
                        lb.add(text(ingress, "hostname"));
                    }
                }
                if (!externalIps.isEmpty()) {
                    List<String> all = new ArrayList<>(lb);
                    all.addAll(externalIps);
                    return String.join(",", all);
                }
                return lb.isEmpty() ? "<pending>" : String.join(",", lb);
            }
            case "ExternalName":
                return text(spec, "externalName");
            default:
                return "<unknown>";
        }
    }

    private static String jobStatus(JsonNode o) {
        if (jobCondition(o, "Complete")) {
            return "Complete";
        } else if (jobCondition(o, "Failed")) {
            return "Failed";
        } else if (present(o, "metadata", "deletionTimestamp")) {
            return "Terminating";
        } else if (jobCondition(o, "Suspended")) {
            return "Suspended";
        } else if (jobCondition(o, "FailureTarget")) {
            return "FailureTarget";
        }
        return "Running";
    }

    /** hasJobCondition: the first condition of the type decides. */
    private static boolean jobCondition(JsonNode o, String type) {
        for (JsonNode c : o.path("status").path("conditions")) {
            if (type.equals(text(c, "type"))) {
                return "True".equals(text(c, "status"));
            }
        }
        return false;
    }

    private static String jobCompletions(JsonNode o) {
        long succeeded = Fields.integer(o, "status", "succeeded");
        if (present(o, "spec", "completions")) {
            return succeeded + "/" + Fields.integer(o, "spec", "completions");
        }
        long parallelism = Fields.integer(o, "spec", "parallelism");
        return parallelism > 1 ? succeeded + "/1 of " + parallelism : succeeded + "/1";
    }

    private static String jobDuration(JsonNode o, Instant now) {
        Instant start = Fields.time(o, "status", "startTime");
        if (start == null) {
            return "";
        }
        Instant end = Fields.time(o, "status", "completionTime");
        return HumanDuration.format(Duration.between(start, end == null ? now : end));
    }

    private static List<Object> node(JsonNode o, Instant now) {
        List<String> status = new ArrayList<>();
        for (JsonNode c : o.path("status").path("conditions")) {
            if ("Ready".equals(text(c, "type"))) {
                status.clear(); // the condition map keeps the last Ready condition
                status.add("True".equals(text(c, "status")) ? "Ready" : "NotReady");
            }
        }
        if (status.isEmpty()) {
            status.add("Unknown");
        }
        if (o.path("spec").path("unschedulable").asBoolean(false)) {
            status.add("SchedulingDisabled");
        }
        Set<String> roles = new TreeSet<>();
        o.path("metadata").path("labels").fields().forEachRemaining(e -> {
            if (e.getKey().startsWith("node-role.kubernetes.io/")) {
                String role = e.getKey().substring("node-role.kubernetes.io/".length());
                if (!role.isEmpty()) {
                    roles.add(role);
                }
            } else if ("kubernetes.io/role".equals(e.getKey()) && !e.getValue().asText().isEmpty()) {
                roles.add(e.getValue().asText());
            }
        });
        JsonNode info = o.path("status").path("nodeInfo");
        return cells(Fields.name(o), String.join(",", status), roles.isEmpty() ? "<none>" : String.join(",", roles),
                Fields.age(o, now), text(info, "kubeletVersion"),
                nodeAddress(o, "InternalIP"), nodeAddress(o, "ExternalIP"),
                orElse(text(info, "osImage"), "<unknown>"), orElse(text(info, "kernelVersion"), "<unknown>"),
                orElse(text(info, "containerRuntimeVersion"), "<unknown>"));
    }

    private static String nodeAddress(JsonNode o, String type) {
        for (JsonNode a : o.path("status").path("addresses")) {
            if (type.equals(text(a, "type"))) {
                return text(a, "address");
            }
        }
        return "<none>";
    }

    /** formatEndpoints: up to three host:port pairs, then "+ N more...". */
    static String endpoints(JsonNode o) {
        List<JsonNode> subsets = list(o, "subsets");
        if (subsets.isEmpty()) {
            return "<none>";
        }
        final int max = 3;
        List<String> out = new ArrayList<>();
        boolean more = false;
        int count = 0;
        for (JsonNode ss : subsets) {
            List<JsonNode> addresses = list(ss, "addresses");
            List<JsonNode> ports = list(ss, "ports");
            if (ports.isEmpty()) {
                count += addresses.size();
                for (JsonNode a : addresses) {
                    if (out.size() == max) {
                        more = true;
                        break;
                    }
                    out.add(text(a, "ip"));
                }
                continue;
            }
            for (JsonNode port : ports) {
                count += addresses.size();
                for (JsonNode a : addresses) {
                    if (out.size() == max) {
                        more = true;
                        break;
                    }
                    out.add(joinHostPort(text(a, "ip"), Fields.integer(port, "port")));
                }
            }
        }
        String joined = String.join(",", out);
        return more ? joined + " + " + (count - max) + " more..." : joined;
    }

    private static String joinHostPort(String host, long port) {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }

    private static String slicePorts(JsonNode o) {
        List<String> out = new ArrayList<>();
        int count = 0;
        for (JsonNode p : o.path("ports")) {
            if (out.size() < 3) {
                out.add(present(p, "port") ? Long.toString(Fields.integer(p, "port"))
                        : present(p, "name") ? text(p, "name") : "*");
            }
            count++;
        }
        return listWithMore(out, count);
    }

    private static String sliceEndpoints(JsonNode o) {
        List<String> out = new ArrayList<>();
        int count = 0;
        for (JsonNode e : o.path("endpoints")) {
            for (JsonNode a : e.path("addresses")) {
                if (out.size() < 3) {
                    out.add(a.asText());
                }
                count++;
            }
        }
        return listWithMore(out, count);
    }

    private static String listWithMore(List<String> list, int count) {
        String joined = String.join(",", list);
        if (count > 3) {
            return joined + " + " + (count - 3) + " more...";
        }
        return joined.isEmpty() ? "<unset>" : joined;
    }

    private static List<Object> event(JsonNode o, Instant now) {
        String first = present(o, "firstTimestamp")
                ? HumanDuration.since(Fields.time(o, "firstTimestamp"), now)
                : HumanDuration.since(Fields.time(o, "eventTime"), now);
        String last = present(o, "lastTimestamp") ? HumanDuration.since(Fields.time(o, "lastTimestamp"), now) : first;
        long count = Fields.integer(o, "count");
        if (present(o, "series")) {
            last = HumanDuration.since(Fields.time(o, "series", "lastObservedTime"), now);
            count = Fields.integer(o, "series", "count");
        } else if (count == 0) {
            count = 1; // singleton events of the events.k8s.io API carry no count
        }
        String kind = text(o, "involvedObject", "kind").toLowerCase();
        String involvedName = text(o, "involvedObject", "name");
        String target = involvedName.isEmpty() ? kind : kind + "/" + involvedName;
        String component = orElse(text(o, "source", "component"), text(o, "reportingComponent"));
        String host = orElse(text(o, "source", "host"), text(o, "reportingInstance"));
        String source = host.isEmpty() ? component : component + ", " + host;
        return cells(last, text(o, "type"), text(o, "reason"), target, text(o, "involvedObject", "fieldPath"),
                source, text(o, "message").strip(), first, count, Fields.name(o));
    }

    private static List<Object> persistentVolume(JsonNode o, Instant now) {
        JsonNode spec = o.path("spec");
        String claim = present(spec, "claimRef")
                ? text(spec, "claimRef", "namespace") + "/" + text(spec, "claimRef", "name") : "";
        String phase = present(o, "metadata", "deletionTimestamp") ? "Terminating" : text(o, "status", "phase");
        return cells(Fields.name(o), text(spec, "capacity", "storage"), accessModes(spec.path("accessModes")),
                text(spec, "persistentVolumeReclaimPolicy"), phase, claim, storageClass(o),
                orElse(text(spec, "volumeAttributesClassName"), "<unset>"), text(o, "status", "reason"),
                Fields.age(o, now), orElse(text(spec, "volumeMode"), "<unset>"));
    }

    private static List<Object> persistentVolumeClaim(JsonNode o, Instant now) {
        JsonNode spec = o.path("spec");
        String phase = present(o, "metadata", "deletionTimestamp") ? "Terminating" : text(o, "status", "phase");
        String capacity = "";
        String modes = "";
        if (!text(spec, "volumeName").isEmpty()) {
            modes = accessModes(o.path("status").path("accessModes"));
            capacity = text(o, "status", "capacity", "storage");
        }
        return cells(Fields.name(o), phase, text(spec, "volumeName"), capacity, modes, storageClass(o),
                orElse(text(spec, "volumeAttributesClassName"), "<unset>"), Fields.age(o, now),
                orElse(text(spec, "volumeMode"), "<unset>"));
    }

    /** The beta annotation wins over spec.storageClassName, as in GetPersistentVolume(Claim)Class. */
    private static String storageClass(JsonNode o) {
        JsonNode annotation = at(o, "metadata", "annotations", "volume.beta.kubernetes.io/storage-class");
        return annotation.isTextual() ? annotation.asText() : text(o, "spec", "storageClassName");
    }

    /** GetAccessModesAsString: abbreviations in a fixed order, duplicates removed. */
    static String accessModes(JsonNode modes) {
        Set<String> present = new LinkedHashSet<>();
        modes.forEach(m -> present.add(m.asText()));
        List<String> out = new ArrayList<>();
        String[][] order = {{"ReadWriteOnce", "RWO"}, {"ReadOnlyMany", "ROX"}, {"ReadWriteMany", "RWX"},
                {"ReadWriteOncePod", "RWOP"}};
        for (String[] mode : order) {
            if (present.contains(mode[0])) {
                out.add(mode[1]);
            }
        }
        return String.join(",", out);
    }

    private static List<Object> resourceQuota(JsonNode o, Instant now) {
        Map<String, String> hard = new TreeMap<>();
        o.path("status").path("hard").fields().forEachRemaining(e -> hard.put(e.getKey(), e.getValue().asText()));
        List<String> requests = new ArrayList<>();
        List<String> limits = new ArrayList<>();
        hard.forEach((resource, quantity) -> {
            String used = orElse(text(o, "status", "used", resource), "0");
            String entry = resource + ": " + used + "/" + quantity;
            String[] pieces = resource.split("\\.");
            (pieces.length > 1 && "limits".equals(pieces[0]) ? limits : requests).add(entry);
        });
        return cells(Fields.name(o), String.join(", ", requests), String.join(", ", limits), Fields.age(o, now));
    }

    private static boolean isDefaultClass(JsonNode o) {
        JsonNode annotations = at(o, "metadata", "annotations");
        return "true".equals(text(annotations, "storageclass.kubernetes.io/is-default-class"))
                || "true".equals(text(annotations, "storageclass.beta.kubernetes.io/is-default-class"));
    }

    /** The controlling owner as "kind.group/name" in lower case, or "&lt;none&gt;". */
    private static String controllerOf(JsonNode o) {
        for (JsonNode ref : o.path("metadata").path("ownerReferences")) {
            if (ref.path("controller").asBoolean(false)) {
                String apiVersion = text(ref, "apiVersion");
                String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
                String kind = text(ref, "kind");
                String groupKind = group.isEmpty() ? kind : kind + "." + group;
                return groupKind.isEmpty() ? text(ref, "name") : groupKind.toLowerCase() + "/" + text(ref, "name");
            }
        }
        return "<none>";
    }
}
