package io.capstan.printers;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static io.capstan.printers.Fixtures.cells;
import static io.capstan.printers.Fixtures.yaml;
import static org.assertj.core.api.Assertions.assertThat;

/** One object of each kind, and the cells kubectl would show for it (JSON text of each cell). */
class KindRowsTest {

    private static final String META = "metadata: {name: x, namespace: default, creationTimestamp: \"2024-05-01T11:00:00Z\"}\n";

    static Stream<Arguments> rows() {
        return Stream.of(
                row("a ClusterIP service shows its ports and no external IP", "", "v1", "Service", """
                        spec: {type: ClusterIP, clusterIP: 10.96.0.10, clusterIPs: [10.96.0.10], selector: {app: web},
                               ports: [{port: 80, protocol: TCP}, {port: 53, protocol: UDP}]}
                        """, "[\"x\",\"ClusterIP\",\"10.96.0.10\",\"<none>\",\"80/TCP,53/UDP\",\"60m\",\"app=web\"]"),
                row("a NodePort service shows port:nodePort", "", "v1", "Service", """
                        spec: {type: NodePort, clusterIP: 10.96.0.11, ports: [{port: 80, nodePort: 30080, protocol: TCP}]}
                        """, "[\"x\",\"NodePort\",\"10.96.0.11\",\"<none>\",\"80:30080/TCP\",\"60m\",\"<none>\"]"),
                row("a LoadBalancer without ingress is pending", "", "v1", "Service", """
                        spec: {type: LoadBalancer, clusterIP: 10.96.0.12, ports: [{port: 443, nodePort: 31443, protocol: TCP}]}
                        """, "[\"x\",\"LoadBalancer\",\"10.96.0.12\",\"<pending>\",\"443:31443/TCP\",\"60m\",\"<none>\"]"),
                row("a LoadBalancer with ingress shows its sorted addresses", "", "v1", "Service", """
                        spec: {type: LoadBalancer, clusterIP: 10.96.0.12, ports: [{port: 80, protocol: TCP}]}
                        status: {loadBalancer: {ingress: [{ip: 5.6.7.8}, {hostname: lb.example.com}]}}
                        """, "[\"x\",\"LoadBalancer\",\"10.96.0.12\",\"5.6.7.8,lb.example.com\",\"80/TCP\",\"60m\",\"<none>\"]"),
                row("an ExternalName service shows the external name", "", "v1", "Service", """
                        spec: {type: ExternalName, externalName: db.example.com}
                        """, "[\"x\",\"ExternalName\",\"<none>\",\"db.example.com\",\"<none>\",\"60m\",\"<none>\"]"),
                row("a deployment shows ready over desired and its selector", "apps", "v1", "Deployment", """
                        spec: {replicas: 3, selector: {matchLabels: {app: web}},
                               template: {spec: {containers: [{name: nginx, image: "nginx:1.25"}, {name: log, image: busybox}]}}}
                        status: {readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2}
                        """, "[\"x\",\"2/3\",3,2,\"60m\",\"nginx,log\",\"nginx:1.25,busybox\",\"app=web\"]"),
                row("a replicaset shows integer counts", "apps", "v1", "ReplicaSet", """
                        spec: {replicas: 2, selector: {matchLabels: {app: web},
                               matchExpressions: [{key: tier, operator: In, values: [b, a]}]},
                               template: {spec: {containers: [{name: c, image: i}]}}}
                        status: {replicas: 2, readyReplicas: 1}
                        """, "[\"x\",2,2,1,\"60m\",\"c\",\"i\",\"app=web,tier in (a,b)\"]"),
                row("a statefulset shows ready over desired", "apps", "v1", "StatefulSet", """
                        spec: {replicas: 3, template: {spec: {containers: [{name: db, image: postgres}]}}}
                        status: {readyReplicas: 3}
                        """, "[\"x\",\"3/3\",\"60m\",\"db\",\"postgres\"]"),
                row("a daemonset shows its node selector", "apps", "v1", "DaemonSet", """
                        spec: {selector: {matchLabels: {app: agent}},
                               template: {spec: {nodeSelector: {kubernetes.io/os: linux}, containers: [{name: a, image: agent}]}}}
                        status: {desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2}
                        """, "[\"x\",3,3,2,3,2,\"kubernetes.io/os=linux\",\"60m\",\"a\",\"agent\",\"app=agent\"]"),
                row("a running job shows completions and its duration so far", "batch", "v1", "Job", """
                        spec: {completions: 4, template: {spec: {containers: [{name: w, image: worker}]}}}
                        status: {succeeded: 1, startTime: "2024-05-01T11:58:00Z"}
                        """, "[\"x\",\"Running\",\"1/4\",\"2m\",\"60m\",\"w\",\"worker\",\"<none>\"]"),
                row("a complete job shows its total duration", "batch", "v1", "Job", """
                        spec: {template: {spec: {containers: [{name: w, image: worker}]}}}
                        status: {succeeded: 1, startTime: "2024-05-01T11:00:00Z", completionTime: "2024-05-01T11:00:42Z",
                                 conditions: [{type: Complete, status: "True"}]}
                        """, "[\"x\",\"Complete\",\"1/1\",\"42s\",\"60m\",\"w\",\"worker\",\"<none>\"]"),
                row("a parallel job without completions counts one of parallelism", "batch", "v1", "Job", """
                        spec: {parallelism: 3, template: {spec: {containers: []}}}
                        status: {conditions: [{type: Failed, status: "True"}]}
                        """, "[\"x\",\"Failed\",\"0/1 of 3\",\"\",\"60m\",\"\",\"\",\"<none>\"]"),
                row("a suspended job is Suspended", "batch", "v1", "Job", """
                        spec: {completions: 1, template: {spec: {containers: []}}}
                        status: {conditions: [{type: Suspended, status: "True"}]}
                        """, "[\"x\",\"Suspended\",\"0/1\",\"\",\"60m\",\"\",\"\",\"<none>\"]"),
                row("a cronjob shows schedule, timezone, suspend and last schedule", "batch", "v1", "CronJob", """
                        spec: {schedule: "*/5 * * * *", suspend: false,
                               jobTemplate: {spec: {template: {spec: {containers: [{name: c, image: i}]}}}}}
                        status: {active: [{name: j1}], lastScheduleTime: "2024-05-01T11:55:00Z"}
                        """, "[\"x\",\"*/5 * * * *\",\"<none>\",\"False\",1,\"5m\",\"60m\",\"c\",\"i\",\"<none>\"]"),
                row("a namespace shows its phase", "", "v1", "Namespace", "status: {phase: Active}\n",
                        "[\"x\",\"Active\",\"60m\"]"),
                row("a ready cordoned control-plane node", "", "v1", "Node", """
                        metadata: {labels: {node-role.kubernetes.io/control-plane: ""}}
                        spec: {unschedulable: true}
                        status: {conditions: [{type: Ready, status: "True"}], nodeInfo: {kubeletVersion: v1.30.0},
                                 addresses: [{type: InternalIP, address: 192.168.1.10}]}
                        """, "[\"x\",\"Ready,SchedulingDisabled\",\"control-plane\",\"60m\",\"v1.30.0\",\"192.168.1.10\",\"<none>\",\"<unknown>\",\"<unknown>\",\"<unknown>\"]"),
                row("a node without a Ready condition is Unknown", "", "v1", "Node", "status: {}\n",
                        "[\"x\",\"Unknown\",\"<none>\",\"60m\",\"\",\"<none>\",\"<none>\",\"<unknown>\",\"<unknown>\",\"<unknown>\"]"),
                row("a not-ready node is NotReady", "", "v1", "Node", "status: {conditions: [{type: Ready, status: \"False\"}]}\n",
                        "[\"x\",\"NotReady\",\"<none>\",\"60m\",\"\",\"<none>\",\"<none>\",\"<unknown>\",\"<unknown>\",\"<unknown>\"]"),
                row("a configmap counts data and binaryData", "", "v1", "ConfigMap", "data: {a: '1', b: '2'}\nbinaryData: {c: AA==}\n",
                        "[\"x\",3,\"60m\"]"),
                row("a secret shows type and data count", "", "v1", "Secret", "type: Opaque\ndata: {a: YQ==}\n",
                        "[\"x\",\"Opaque\",1,\"60m\"]"),
                row("endpoints show three addresses then how many more", "", "v1", "Endpoints", """
                        subsets: [{addresses: [{ip: 1.2.3.4}, {ip: 1.2.3.5}, {ip: 1.2.3.6}, {ip: 1.2.3.7}], ports: [{port: 80}]},
                                  {addresses: [{ip: 1.2.3.8}], ports: [{port: 80}]}]
                        """, "[\"x\",\"1.2.3.4:80,1.2.3.5:80,1.2.3.6:80 + 2 more...\",\"60m\"]"),
                row("endpoints without subsets show none", "", "v1", "Endpoints", "{}\n", "[\"x\",\"<none>\",\"60m\"]"),
                row("an endpointslice shows address type, ports and addresses", "discovery.k8s.io", "v1", "EndpointSlice", """
                        addressType: IPv4
                        ports: [{port: 8080, name: http}]
                        endpoints: [{addresses: [10.0.0.1]}, {addresses: [10.0.0.2]}]
                        """, "[\"x\",\"IPv4\",\"8080\",\"10.0.0.1,10.0.0.2\",\"60m\"]"),
                row("an event shows last seen, type, reason, object and message", "", "v1", "Event", """
                        type: Warning
                        reason: BackOff
                        message: " Back-off restarting failed container "
                        involvedObject: {kind: Pod, name: web-1, fieldPath: "spec.containers{app}"}
                        source: {component: kubelet, host: node-a}
                        firstTimestamp: "2024-05-01T11:50:00Z"
                        lastTimestamp: "2024-05-01T11:59:00Z"
                        count: 7
                        """, "[\"60s\",\"Warning\",\"BackOff\",\"pod/web-1\",\"spec.containers{app}\",\"kubelet, node-a\",\"Back-off restarting failed container\",\"10m\",7,\"x\"]"),
                row("a serviceaccount counts its secrets", "", "v1", "ServiceAccount", "secrets: [{name: t}]\n",
                        "[\"x\",1,\"60m\"]"),
                row("a bound pvc shows volume, capacity and access modes", "", "v1", "PersistentVolumeClaim", """
                        spec: {volumeName: pv-1, storageClassName: standard, resources: {requests: {storage: 1Gi}}}
                        status: {phase: Bound, capacity: {storage: 10Gi}, accessModes: [ReadWriteOnce, ReadWriteMany]}
                        """, "[\"x\",\"Bound\",\"pv-1\",\"10Gi\",\"RWO,RWX\",\"standard\",\"<unset>\",\"60m\",\"<unset>\"]"),
                row("a pending pvc shows no capacity", "", "v1", "PersistentVolumeClaim", """
                        spec: {storageClassName: standard, resources: {requests: {storage: 1Gi}}}
                        status: {phase: Pending}
                        """, "[\"x\",\"Pending\",\"\",\"\",\"\",\"standard\",\"<unset>\",\"60m\",\"<unset>\"]"),
                row("a bound pv shows its claim", "", "v1", "PersistentVolume", """
                        spec: {capacity: {storage: 5Gi}, accessModes: [ReadWriteOncePod], persistentVolumeReclaimPolicy: Retain,
                               claimRef: {namespace: default, name: data}, storageClassName: fast, volumeMode: Filesystem}
                        status: {phase: Bound}
                        """, "[\"x\",\"5Gi\",\"RWOP\",\"Retain\",\"Bound\",\"default/data\",\"fast\",\"<unset>\",\"\",\"60m\",\"Filesystem\"]"),
                row("a resourcequota splits requests and limits", "", "v1", "ResourceQuota", """
                        status: {hard: {pods: "10", limits.cpu: "2", requests.cpu: "1"}, used: {pods: "3", requests.cpu: 500m}}
                        """, "[\"x\",\"pods: 3/10, requests.cpu: 500m/1\",\"limits.cpu: 0/2\",\"60m\"]"),
                row("a v2 hpa shows current over target utilization", "autoscaling", "v2", "HorizontalPodAutoscaler", """
                        spec: {scaleTargetRef: {kind: Deployment, name: web}, minReplicas: 1, maxReplicas: 5,
                               metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}]}
                        status: {currentReplicas: 2, currentMetrics: [{type: Resource, resource: {name: cpu, current: {averageUtilization: 50}}}]}
                        """, "[\"x\",\"Deployment/web\",\"cpu: 50%/80%\",\"1\",5,2,\"60m\"]"),
                row("a v2 hpa without metrics status shows unknown current", "autoscaling", "v2", "HorizontalPodAutoscaler", """
                        spec: {scaleTargetRef: {kind: Deployment, name: web}, maxReplicas: 5,
                               metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}},
                                         {type: Resource, resource: {name: memory, target: {type: AverageValue, averageValue: 100Mi}}},
                                         {type: Pods, pods: {metric: {name: qps}, target: {type: AverageValue, averageValue: "10"}}}]}
                        """, "[\"x\",\"Deployment/web\",\"cpu: <unknown>/80%, memory: <unknown>/100Mi + 1 more...\",\"<unset>\",5,0,\"60m\"]"),
                row("a v1 hpa reads its cpu target percentage", "autoscaling", "v1", "HorizontalPodAutoscaler", """
                        apiVersion: autoscaling/v1
                        spec: {scaleTargetRef: {kind: Deployment, name: web}, minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 80}
                        status: {currentReplicas: 2, currentCPUUtilizationPercentage: 35}
                        """, "[\"x\",\"Deployment/web\",\"cpu: 35%/80%\",\"2\",4,2,\"60m\"]"),
                row("a lease shows its holder", "coordination.k8s.io", "v1", "Lease", "spec: {holderIdentity: node-a}\n",
                        "[\"x\",\"node-a\",\"60m\"]"),
                row("the default storageclass is marked (default)", "storage.k8s.io", "v1", "StorageClass", """
                        metadata: {annotations: {storageclass.kubernetes.io/is-default-class: "true"}}
                        provisioner: rancher.io/local-path
                        volumeBindingMode: WaitForFirstConsumer
                        """, "[\"x (default)\",\"rancher.io/local-path\",\"Delete\",\"WaitForFirstConsumer\",false,\"60m\"]"),
                row("a controllerrevision names its controller by kind.group", "apps", "v1", "ControllerRevision", """
                        metadata: {ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: db, controller: true}]}
                        revision: 3
                        """, "[\"x\",\"statefulset.apps/db\",3,\"60m\"]"),
                row("a limitrange gets the default Name and Created At", "", "v1", "LimitRange", "spec: {}\n",
                        "[\"x\",\"2024-05-01T11:00:00Z\"]"),
                row("a CRD gets the default Name and Created At", "apiextensions.k8s.io", "v1", "CustomResourceDefinition", "spec: {}\n",
                        "[\"x\",\"2024-05-01T11:00:00Z\"]"),
                row("a virtualservice shows gateways and hosts as JSON lists", "networking.istio.io", "v1", "VirtualService", """
                        spec: {gateways: [bookinfo-gateway], hosts: ["*"]}
                        """, "[\"x\",\"[\\\"bookinfo-gateway\\\"]\",\"[\\\"*\\\"]\",\"60m\"]"),
                row("a virtualservice without gateways has a null cell", "networking.istio.io", "v1beta1", "VirtualService", """
                        spec: {hosts: [reviews]}
                        """, "[\"x\",null,\"[\\\"reviews\\\"]\",\"60m\"]"),
                row("a destinationrule shows its host", "networking.istio.io", "v1", "DestinationRule", "spec: {host: reviews}\n",
                        "[\"x\",\"reviews\",\"60m\"]"),
                row("a gateway shows only its age", "networking.istio.io", "v1", "Gateway", "spec: {}\n", "[\"x\",\"60m\"]"),
                row("a serviceentry shows hosts, location and resolution", "networking.istio.io", "v1", "ServiceEntry", """
                        spec: {hosts: [api.example.com], location: MESH_EXTERNAL, resolution: DNS}
                        """, "[\"x\",\"[\\\"api.example.com\\\"]\",\"MESH_EXTERNAL\",\"DNS\",\"60m\"]"),
                row("a peerauthentication shows its mTLS mode", "security.istio.io", "v1", "PeerAuthentication",
                        "spec: {mtls: {mode: STRICT}}\n", "[\"x\",\"STRICT\",\"60m\"]"),
                row("an authorizationpolicy shows its action", "security.istio.io", "v1", "AuthorizationPolicy",
                        "spec: {action: DENY}\n", "[\"x\",\"DENY\",\"60m\"]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void objectsPrintAsKubernetesPrintsThem(String description, String group, String version, String kind, String body,
                                            String expectedCells) {
        com.fasterxml.jackson.databind.node.ObjectNode object = (com.fasterxml.jackson.databind.node.ObjectNode) yaml(META);
        yaml(body).fields().forEachRemaining(e -> {
            if (e.getKey().equals("metadata")) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) object.get("metadata"))
                        .setAll((com.fasterxml.jackson.databind.node.ObjectNode) e.getValue());
            } else {
                object.set(e.getKey(), e.getValue());
            }
        });
        List<JsonNode> cells = cells(Fixtures.type(group, version, kind), object);
        assertThat(cells.toString().replace(" ", "")).isEqualTo(expectedCells.replace(" ", ""));
        assertThat(cells).hasSize(TablePrinter.columns(Fixtures.type(group, version, kind)).size());
    }

    private static Arguments row(String description, String group, String version, String kind, String body, String cells) {
        return Arguments.of(description, group, version, kind, body, cells);
    }
}
