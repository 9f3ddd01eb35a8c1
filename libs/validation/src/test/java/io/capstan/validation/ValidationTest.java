package io.capstan.validation;

import io.capstan.api.registry.ResourceType;
import io.capstan.api.status.FieldError;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static io.capstan.validation.Objects.brief;
import static io.capstan.validation.Objects.create;
import static io.capstan.validation.Objects.typeOf;
import static io.capstan.validation.Objects.yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class ValidationTest {

    static Stream<Objects.Fixture> fixtures() {
        return Objects.fixtures();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void everyFixtureIsValidOnceDefaulted(Objects.Fixture fixture) {
        ObjectNode obj = fixture.object().deepCopy();
        ResourceType type = typeOf(obj);
        // What the server fills in before validating: the request's namespace, the uid, the Job selector.
        if (type.namespaced()) {
            ((ObjectNode) obj.get("metadata")).put("namespace", "default");
        }
        ((ObjectNode) obj.get("metadata")).put("uid", "6f1c6c44-0000-4000-8000-000000000001");
        Defaults.apply(type, obj);
        if (type.kind().equals("Job")) {
            Defaults.jobSelector(obj, "6f1c6c44-0000-4000-8000-000000000001");
        }
        assertThat(Validation.validate(type, obj, null)).isEmpty();
    }

    private static final String POD = """
            apiVersion: v1
            kind: Pod
            metadata: {name: p, namespace: default}
            spec:
            """;
    private static final String DEPLOYMENT = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: d, namespace: default}
            spec:
            """;
    private static final String SERVICE = """
            apiVersion: v1
            kind: Service
            metadata: {name: s, namespace: default}
            spec:
            """;

    static Stream<Arguments> invalidObjects() {
        return Stream.of(
                arguments("a name with capitals is not a DNS subdomain",
                        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name, namespace: default}",
                        List.of("INVALID metadata.name")),
                arguments("a missing name is required",
                        "apiVersion: v1\nkind: ConfigMap\nmetadata: {namespace: default}",
                        List.of("REQUIRED metadata.name")),
                arguments("a namespaced object needs a namespace",
                        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}",
                        List.of("REQUIRED metadata.namespace")),
                arguments("a cluster-scoped object may not have a namespace",
                        "apiVersion: v1\nkind: Namespace\nmetadata: {name: n, namespace: default}",
                        List.of("FORBIDDEN metadata.namespace")),
                arguments("a namespace name with a dot is not a DNS label",
                        "apiVersion: v1\nkind: Namespace\nmetadata: {name: a.b}",
                        List.of("INVALID metadata.name")),
                arguments("a service name starting with a digit is not a DNS-1035 label",
                        SERVICE.replace("name: s", "name: 1web") + "  ports: [{port: 80}]",
                        List.of("INVALID metadata.name")),
                arguments("label keys and values are checked",
                        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: default\n  labels:\n"
                                + "    'bad key!': ok\n    good: 'bad value!'\n    example.com/fine: fine",
                        List.of("INVALID metadata.labels", "INVALID metadata.labels")),
                arguments("an owner reference needs apiVersion, kind, name and uid",
                        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: default\n  ownerReferences: [{}]",
                        List.of("INVALID metadata.ownerReferences.apiVersion", "INVALID metadata.ownerReferences.kind",
                                "INVALID metadata.ownerReferences.name", "INVALID metadata.ownerReferences.uid")),
                arguments("a finalizer must be a qualified name",
                        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: default\n  finalizers: ['a/b/c']",
                        List.of("INVALID metadata.finalizers")),
                arguments("a pod needs containers",
                        POD + "  containers: []",
                        List.of("REQUIRED spec.containers")),
                arguments("a container needs an image",
                        POD + "  containers: [{name: a}]",
                        List.of("REQUIRED spec.containers[0].image")),
                arguments("container names are unique across init and regular containers",
                        POD + "  containers: [{name: a, image: x}, {name: a, image: x}]\n  initContainers: [{name: a, image: x}]",
                        List.of("DUPLICATE spec.containers[1].name", "DUPLICATE spec.initContainers[0].name")),
                arguments("container ports are between 1 and 65535 with a known protocol",
                        POD + "  containers: [{name: a, image: x, ports: [{containerPort: 70000}, {containerPort: 80, protocol: HTTP}]}]",
                        List.of("INVALID spec.containers[0].ports[0].containerPort", "NOT_SUPPORTED spec.containers[0].ports[1].protocol")),
                arguments("two containers may not claim the same host port",
                        POD + "  containers: [{name: a, image: x, ports: [{containerPort: 80, hostPort: 8080}]},"
                                + " {name: b, image: x, ports: [{containerPort: 81, hostPort: 8080}]}]",
                        List.of("DUPLICATE spec.containers[1].ports[0].hostPort")),
                arguments("a restart policy must be Always, OnFailure or Never",
                        POD + "  restartPolicy: Sometimes\n  containers: [{name: a, image: x}]",
                        List.of("NOT_SUPPORTED spec.restartPolicy")),
                arguments("a volume mount names an existing volume",
                        POD + "  volumes: [{name: data}, {name: data}]\n"
                                + "  containers: [{name: a, image: x, volumeMounts: [{name: missing, mountPath: /m}]}]",
                        List.of("DUPLICATE spec.volumes[1].name", "NOT_FOUND spec.containers[0].volumeMounts[0].name")),
                arguments("probe numbers may not be negative and liveness success threshold is 1",
                        POD + "  containers: [{name: a, image: x, livenessProbe: {tcpSocket: {port: 80}, initialDelaySeconds: -1,"
                                + " successThreshold: 2}, readinessProbe: {periodSeconds: 5}}]",
                        List.of("INVALID spec.containers[0].livenessProbe.initialDelaySeconds",
                                "INVALID spec.containers[0].livenessProbe.successThreshold",
                                "REQUIRED spec.containers[0].readinessProbe")),
                arguments("a request may not exceed its limit",
                        POD + "  containers: [{name: a, image: x, resources: {limits: {cpu: 500m}, requests: {cpu: '1'}}}]",
                        List.of("INVALID spec.containers[0].resources.requests")),
                arguments("env names may not contain '='",
                        POD + "  containers: [{name: a, image: x, env: [{name: 'A=B', value: x}, {value: y}]}]",
                        List.of("INVALID spec.containers[0].env[0].name", "REQUIRED spec.containers[0].env[1].name")),
                arguments("a dns policy must be one Kubernetes knows",
                        POD + "  dnsPolicy: Google\n  containers: [{name: a, image: x}]",
                        List.of("NOT_SUPPORTED spec.dnsPolicy")),
                arguments("a deployment selector must select its template",
                        DEPLOYMENT + "  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: b}}\n"
                                + "    spec: {containers: [{name: a, image: x}]}",
                        List.of("INVALID spec.template.metadata.labels")),
                arguments("a deployment needs a selector and may not have negative replicas",
                        DEPLOYMENT + "  replicas: -1\n  template:\n    metadata: {labels: {app: b}}\n"
                                + "    spec: {containers: [{name: a, image: x}]}",
                        List.of("INVALID spec.replicas", "REQUIRED spec.selector")),
                arguments("a deployment's pods restart always",
                        DEPLOYMENT + "  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n"
                                + "    spec: {restartPolicy: Never, containers: [{name: a, image: x}]}",
                        List.of("NOT_SUPPORTED spec.template.spec.restartPolicy")),
                arguments("maxSurge and maxUnavailable may not both be zero",
                        DEPLOYMENT + "  selector: {matchLabels: {app: a}}\n  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: '0%'}}\n"
                                + "  template:\n    metadata: {labels: {app: a}}\n    spec: {containers: [{name: a, image: x}]}",
                        List.of("INVALID spec.strategy.rollingUpdate.maxUnavailable")),
                arguments("a deployment strategy is Recreate or RollingUpdate",
                        DEPLOYMENT + "  selector: {matchLabels: {app: a}}\n  strategy: {type: BlueGreen}\n"
                                + "  template:\n    metadata: {labels: {app: a}}\n    spec: {containers: [{name: a, image: x}]}",
                        List.of("NOT_SUPPORTED spec.strategy")),
                arguments("an empty statefulset selector is invalid",
                        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s, namespace: default}\nspec:\n  selector: {}\n"
                                + "  template:\n    spec: {containers: [{name: a, image: x}]}",
                        List.of("INVALID spec.selector")),
                arguments("a daemonset rolls with either surge or unavailability",
                        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: d, namespace: default}\nspec:\n"
                                + "  selector: {matchLabels: {app: a}}\n  updateStrategy: {rollingUpdate: {maxSurge: 1}}\n"
                                + "  template:\n    metadata: {labels: {app: a}}\n    spec: {containers: [{name: a, image: x}]}",
                        List.of("INVALID spec.updateStrategy.rollingUpdate.maxSurge")),
                arguments("a job template needs a restart policy of OnFailure or Never",
                        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j, namespace: default}\nspec:\n"
                                + "  selector: {matchLabels: {app: a}}\n  backoffLimit: -1\n"
                                + "  template:\n    metadata: {labels: {app: a}}\n    spec: {containers: [{name: a, image: x}]}",
                        List.of("INVALID spec.backoffLimit", "REQUIRED spec.template.spec.restartPolicy")),
                arguments("a cron schedule has five fields",
                        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c, namespace: default}\nspec:\n"
                                + "  schedule: '* * * *'\n  concurrencyPolicy: Sometimes\n  jobTemplate:\n    spec:\n      template:\n"
                                + "        spec: {restartPolicy: Never, containers: [{name: a, image: x}]}",
                        List.of("INVALID spec.schedule", "NOT_SUPPORTED spec.concurrencyPolicy")),
                arguments("a cron schedule's minutes stop at 59",
                        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c, namespace: default}\nspec:\n"
                                + "  schedule: '0-70 * * * *'\n  jobTemplate:\n    spec:\n      template:\n"
                                + "        spec: {restartPolicy: Never, containers: [{name: a, image: x}]}",
                        List.of("INVALID spec.schedule")),
                arguments("a service needs ports",
                        SERVICE + "  selector: {app: a}",
                        List.of("REQUIRED spec.ports")),
                arguments("service ports need names when there are several, and a zero port defaults a zero target",
                        SERVICE + "  ports: [{port: 80}, {port: 81, name: b}, {port: 0, name: b}]",
                        List.of("REQUIRED spec.ports[0].name", "DUPLICATE spec.ports[2].name", "INVALID spec.ports[2].port",
                                "INVALID spec.ports[2].targetPort")),
                arguments("a node port is only for NodePort and LoadBalancer services, within the range",
                        SERVICE + "  ports: [{port: 80, nodePort: 30001}]",
                        List.of("FORBIDDEN spec.ports[0].nodePort")),
                arguments("a node port below 30000 is out of range",
                        SERVICE + "  type: NodePort\n  ports: [{port: 80, nodePort: 8080}]",
                        List.of("INVALID spec.ports[0].nodePort")),
                arguments("a service type must be known and a cluster IP an IP",
                        SERVICE + "  type: Magic\n  clusterIP: 10.0.0.300\n  ports: [{port: 80}]",
                        List.of("INVALID spec.clusterIP", "NOT_SUPPORTED spec.type")),
                arguments("an ExternalName service needs its external name",
                        SERVICE + "  type: ExternalName",
                        List.of("REQUIRED spec.externalName")),
                arguments("config map keys are config keys",
                        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: default}\ndata: {'a b': x, ok: y}",
                        List.of("INVALID data[a b]")),
                arguments("secret data is base64",
                        "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: default}\ndata: {k: 'not base64!'}",
                        List.of("INVALID data[k]")),
                arguments("a TLS secret carries a certificate and key",
                        "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: default}\ntype: kubernetes.io/tls",
                        List.of("REQUIRED data[tls.crt]", "REQUIRED data[tls.key]")),
                arguments("an HPA needs a target and maxReplicas at least minReplicas",
                        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h, namespace: default}\nspec:\n"
                                + "  minReplicas: 5\n  maxReplicas: 2\n  scaleTargetRef: {}",
                        List.of("INVALID spec.maxReplicas", "REQUIRED spec.scaleTargetRef.kind", "REQUIRED spec.scaleTargetRef.name")),
                arguments("an endpoint slice address type is FQDN, IPv4 or IPv6",
                        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: e, namespace: default}\n"
                                + "addressType: IPX\nendpoints: [{addresses: []}]",
                        List.of("NOT_SUPPORTED addressType", "REQUIRED endpoints[0].addresses")),
                arguments("a claim needs access modes and a storage request",
                        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c, namespace: default}\nspec: {}",
                        List.of("REQUIRED spec.accessModes", "REQUIRED spec.resources[storage]")),
                arguments("a volume needs a capacity and a source",
                        "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: v}\nspec: {accessModes: [ReadWriteOnce]}",
                        List.of("REQUIRED spec.capacity", "NOT_SUPPORTED spec.capacity", "INVALID spec")),
                arguments("a storage class needs a provisioner",
                        "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: s}",
                        List.of("REQUIRED provisioner")),
                arguments("a lease lasts a positive time",
                        "apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: l, namespace: default}\n"
                                + "spec: {leaseDurationSeconds: 0}",
                        List.of("INVALID spec.leaseDurationSeconds")),
                arguments("a CRD needs names, a dotted group, a scope and one storage version",
                        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example}\n"
                                + "spec:\n  group: example\n  scope: Global\n  names: {plural: widgets}\n"
                                + "  versions: [{name: v1, served: true, storage: false}]",
                        List.of("INVALID spec.group", "NOT_SUPPORTED spec.scope", "INVALID spec.versions",
                                "REQUIRED spec.names.singular", "REQUIRED spec.names.kind", "REQUIRED spec.names.listKind")),
                arguments("a node pod CIDR is a CIDR",
                        "apiVersion: v1\nkind: Node\nmetadata: {name: n}\nspec: {podCIDR: 10.0.0.0}",
                        List.of("INVALID spec.podCIDR")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidObjects")
    void invalidObjectsReportEachErrorAtItsField(String behaviour, String manifest, List<String> expected) {
        assertThat(brief(create(yaml(manifest)))).containsExactlyElementsOf(expected);
    }

    @Test
    void oneBadPodReportsAllItsErrorsAtOnce() {
        ObjectNode pod = yaml("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: Bad_Pod
                  namespace: default
                  labels: {'-x': y}
                spec:
                  restartPolicy: Sometimes
                  volumes: [{name: Data}]
                  containers:
                  - name: web
                    ports: [{containerPort: 0}]
                    volumeMounts: [{name: nope, mountPath: /a}]
                  - name: web
                    image: nginx
                    resources: {limits: {memory: 1Gi}, requests: {memory: 2Gi}}
                """);
        assertThat(brief(create(pod))).containsExactly(
                "INVALID metadata.name",
                "INVALID metadata.labels",
                "INVALID spec.volumes[0].name",
                "REQUIRED spec.containers[0].image",
                "REQUIRED spec.containers[0].ports[0].containerPort",
                "NOT_FOUND spec.containers[0].volumeMounts[0].name",
                "DUPLICATE spec.containers[1].name",
                "INVALID spec.containers[1].resources.requests",
                "NOT_SUPPORTED spec.restartPolicy");
    }

    @Test
    void messagesReadAsKubeApiserverWritesThem() {
        ObjectNode d = yaml(DEPLOYMENT + "  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: b}}\n"
                + "    spec: {containers: [{name: a, image: x}]}");
        assertThat(create(d).get(0).line())
                .isEqualTo("spec.template.metadata.labels: Invalid value: {\"app\":\"b\"}: `selector` does not match template `labels`");
        ObjectNode cm = yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad, namespace: default}");
        assertThat(create(cm).get(0).line()).isEqualTo("metadata.name: Invalid value: \"Bad\": a lowercase RFC 1123 subdomain must "
                + "consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character "
                + "(e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
        ObjectNode svc = yaml(SERVICE + "  ports: [{port: 80, protocol: HTTP}]");
        assertThat(create(svc).get(0).line())
                .isEqualTo("spec.ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"");
        ObjectNode cron = yaml("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c, namespace: default}\nspec:\n"
                + "  schedule: '* * * *'\n  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: a, image: x}]}}}}");
        assertThat(create(cron).get(0).line())
                .isEqualTo("spec.schedule: Invalid value: \"* * * *\": expected exactly 5 fields, found 4: [* * * *]");
    }

    @Test
    void cronDescriptorsAndNamesAreValidSchedules() {
        for (String schedule : List.of("@hourly", "@daily", "@every 1h30m", "0 0 * * mon-fri", "*/5 1-3 ? jan,feb *", "30 2 1 */2 0")) {
            assertThat(CronSchedule.problem(schedule)).as(schedule).isNull();
        }
        assertThat(CronSchedule.problem("@fortnightly")).isEqualTo("unrecognized descriptor: @fortnightly");
    }

    // --- updates ---

    private static ObjectNode stored(String manifest) {
        ObjectNode obj = yaml(manifest);
        ((ObjectNode) obj.get("metadata")).put("uid", "u-1");
        Defaults.apply(typeOf(obj), obj);
        return obj;
    }

    private static List<FieldError> update(ObjectNode obj, ObjectNode old) {
        return Validation.validate(typeOf(obj), obj, old);
    }

    @Test
    void nameAndUidNeverChange() {
        ObjectNode old = stored("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: default}");
        ObjectNode renamed = old.deepCopy();
        ((ObjectNode) renamed.get("metadata")).put("name", "d").put("uid", "u-2");
        assertThat(brief(update(renamed, old))).containsExactly("INVALID metadata.name", "INVALID metadata.uid");
    }

    @Test
    void deploymentSelectorIsImmutableButReplicasMayChange() {
        ObjectNode old = stored(DEPLOYMENT + "  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a, v: '1'}}\n"
                + "    spec: {containers: [{name: a, image: x}]}");
        ObjectNode scaled = old.deepCopy();
        ((ObjectNode) scaled.get("spec")).put("replicas", 5);
        assertThat(update(scaled, old)).isEmpty();
        ObjectNode reselected = old.deepCopy();
        ((ObjectNode) reselected.at("/spec/selector/matchLabels")).put("v", "1");
        assertThat(brief(update(reselected, old))).containsExactly("INVALID spec.selector");
    }

    @Test
    void podUpdatesMayChangeImagesButNotCommands() {
        ObjectNode old = stored(POD + "  containers: [{name: a, image: 'busybox:1'}]");
        ObjectNode newImage = old.deepCopy();
        ((ObjectNode) newImage.at("/spec/containers/0")).put("image", "busybox:2");
        assertThat(update(newImage, old)).isEmpty();
        ObjectNode newCommand = old.deepCopy();
        ((ObjectNode) newCommand.at("/spec/containers/0")).putArray("command").add("sh");
        List<FieldError> errors = update(newCommand, old);
        assertThat(brief(errors)).containsExactly("FORBIDDEN spec");
        assertThat(errors.get(0).message()).startsWith("Forbidden: pod updates may not change fields other than "
                + "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,");
    }

    @Test
    void podUpdatesMayAddTolerationsButNotRemoveThem() {
        ObjectNode old = stored(POD + "  tolerations: [{key: a, operator: Exists}]\n  containers: [{name: a, image: x}]");
        ObjectNode added = old.deepCopy();
        ((com.fasterxml.jackson.databind.node.ArrayNode) added.at("/spec/tolerations")).addObject().put("key", "b").put("operator", "Exists");
        assertThat(update(added, old)).isEmpty();
        ObjectNode removed = old.deepCopy();
        ((ObjectNode) removed.get("spec")).putArray("tolerations");
        assertThat(brief(update(removed, old))).containsExactly("FORBIDDEN spec");
    }

    @Test
    void jobTemplateAndSelectorAreImmutable() {
        ObjectNode old = stored("apiVersion: batch/v1\nkind: Job\nmetadata: {name: j, namespace: default}\nspec:\n"
                + "  template: {spec: {restartPolicy: Never, containers: [{name: a, image: x}]}}");
        Defaults.jobSelector(old, "u-1");
        ObjectNode changed = old.deepCopy();
        ((ObjectNode) changed.at("/spec/template/spec/containers/0")).put("image", "y");
        assertThat(brief(update(changed, old))).containsExactly("INVALID spec.template");
    }

    @Test
    void aSetClusterIpMayNotChange() {
        ObjectNode old = stored(SERVICE + "  clusterIP: 10.96.0.10\n  ports: [{port: 80}]");
        ObjectNode changed = old.deepCopy();
        ((ObjectNode) changed.get("spec")).put("clusterIP", "10.96.0.11");
        List<FieldError> errors = update(changed, old);
        assertThat(brief(errors)).containsExactly("INVALID spec.clusterIPs[0]");
        assertThat(errors.get(0).message()).isEqualTo("Invalid value: \"10.96.0.11\": may not change once set");
    }

    @Test
    void claimSpecIsImmutableExceptAGrowingStorageRequest() {
        ObjectNode old = stored("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c, namespace: default}\n"
                + "spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}");
        ObjectNode grown = old.deepCopy();
        ((ObjectNode) grown.at("/spec/resources/requests")).put("storage", "2Gi");
        assertThat(update(grown, old)).isEmpty();
        ObjectNode shrunk = old.deepCopy();
        ((ObjectNode) shrunk.at("/spec/resources/requests")).put("storage", "500Mi");
        assertThat(brief(update(shrunk, old))).containsExactly("FORBIDDEN spec.resources.requests.storage");
        ObjectNode remoded = old.deepCopy();
        ((ObjectNode) remoded.get("spec")).putArray("accessModes").add("ReadWriteMany");
        assertThat(brief(update(remoded, old))).containsExactly("FORBIDDEN spec");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("claimClassChanges")
    void aClaimMayGetAClassOnlyWhenItHadNone(String name, String oldSpecExtra, String oldAnnotations, String newClass, boolean allowed) {
        ObjectNode old = stored("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c, namespace: default" + oldAnnotations + "}\n"
                + "spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}" + oldSpecExtra + "}");
        ObjectNode changed = old.deepCopy();
        ((ObjectNode) changed.get("spec")).put("storageClassName", newClass);
        if (allowed) {
            assertThat(update(changed, old)).isEmpty();
        } else {
            assertThat(brief(update(changed, old))).containsExactly("FORBIDDEN spec");
        }
    }

    static Stream<Arguments> claimClassChanges() {
        return Stream.of(
                arguments("unset becomes the default class (retroactive default StorageClass)", "", "", "standard", true),
                arguments("null becomes a class", ", storageClassName: null", "", "standard", true),
                arguments("a set class may not change", ", storageClassName: fast", "", "standard", false),
                arguments("an empty class (no class on purpose) may not become one", ", storageClassName: ''", "", "standard", false),
                arguments("a claim naming its class in the beta annotation keeps it", "",
                        ", annotations: {volume.beta.kubernetes.io/storage-class: fast}", "standard", false));
    }

    @Test
    void immutableConfigMapKeepsItsData() {
        ObjectNode old = stored("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: default}\nimmutable: true\ndata: {a: b}");
        ObjectNode changed = old.deepCopy();
        ((ObjectNode) changed.get("data")).put("a", "c");
        assertThat(brief(update(changed, old))).containsExactly("FORBIDDEN data");
    }

    @Test
    void statefulSetSpecMayOnlyChangeItsMutableFields() {
        ObjectNode old = stored("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s, namespace: default}\nspec:\n"
                + "  serviceName: app\n  selector: {matchLabels: {app: a}}\n"
                + "  template:\n    metadata: {labels: {app: a}}\n    spec: {containers: [{name: a, image: x}]}");
        ObjectNode renamed = old.deepCopy();
        ((ObjectNode) renamed.get("spec")).put("serviceName", "other");
        assertThat(brief(update(renamed, old))).containsExactly("FORBIDDEN spec");
    }
}
