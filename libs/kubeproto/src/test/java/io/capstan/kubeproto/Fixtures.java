package io.capstan.kubeproto;

import io.capstan.kubeproto.RoundTripTest.Fixture;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapList;
import io.fabric8.kubernetes.api.model.DeleteOptions;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.LimitRange;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v1.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.Eviction;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;
import io.fabric8.kubernetes.api.model.storage.CSIDriver;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.storage.VolumeAttachment;

import java.util.List;

/** Rich objects of every built-in kind, written as YAML for readability. */
final class Fixtures {
    private Fixtures() {
    }

    static final String POD_SPEC = """
            serviceAccountName: runner
            automountServiceAccountToken: false
            terminationGracePeriodSeconds: 0
            nodeSelector: {disktype: ssd}
            hostname: web-0
            subdomain: web
            securityContext: {runAsUser: 1000, runAsNonRoot: true, fsGroup: 2000, seccompProfile: {type: RuntimeDefault}}
            imagePullSecrets: [{name: regcred}]
            dnsConfig: {nameservers: [1.1.1.1], options: [{name: ndots, value: "2"}]}
            hostAliases: [{ip: 10.0.0.1, hostnames: [db.local]}]
            initContainers:
            - name: init
              image: busybox
              command: [sh, -c, "echo hi"]
            containers:
            - name: app
              image: nginx:1.27
              args: [--port, "8080"]
              workingDir: /srv
              imagePullPolicy: IfNotPresent
              ports:
              - {name: http, containerPort: 8080, protocol: TCP}
              - {containerPort: 9090, hostPort: 19090, hostIP: 0.0.0.0}
              env:
              - {name: PLAIN, value: v}
              - name: FROM_SECRET
                valueFrom: {secretKeyRef: {name: s, key: k, optional: false}}
              - name: FROM_CM
                valueFrom: {configMapKeyRef: {name: c, key: k}}
              - name: POD_IP
                valueFrom: {fieldRef: {apiVersion: v1, fieldPath: status.podIP}}
              - name: LIMIT
                valueFrom: {resourceFieldRef: {containerName: app, resource: limits.memory, divisor: 1Mi}}
              envFrom:
              - {prefix: CM_, configMapRef: {name: c}}
              - secretRef: {name: s, optional: true}
              resources:
                limits: {cpu: 500m, memory: 128Mi}
                requests: {cpu: 250m, memory: 64Mi, ephemeral-storage: 1Gi}
              volumeMounts:
              - {name: data, mountPath: /data, readOnly: true, subPath: sub}
              - {name: cfg, mountPath: /etc/cfg}
              livenessProbe:
                httpGet:
                  path: /healthz
                  port: http
                  scheme: HTTP
                  httpHeaders: [{name: X-Probe, value: "1"}]
                initialDelaySeconds: 5
                periodSeconds: 10
                failureThreshold: 3
              readinessProbe:
                tcpSocket: {port: 8080}
                timeoutSeconds: 2
              startupProbe:
                exec: {command: [cat, /tmp/ready]}
              lifecycle:
                preStop:
                  exec: {command: [sleep, "5"]}
                postStart:
                  httpGet: {path: /started, port: 8080}
              securityContext:
                allowPrivilegeEscalation: false
                readOnlyRootFilesystem: true
                capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
              stdin: true
              tty: true
            volumes:
            - name: data
              persistentVolumeClaim: {claimName: data-pvc, readOnly: true}
            - name: cfg
              configMap:
                name: c
                defaultMode: 420
                items: [{key: a, path: a.txt, mode: 256}]
            - name: sec
              secret: {secretName: s, optional: true}
            - name: tmp
              emptyDir: {medium: Memory, sizeLimit: 64Mi}
            - name: host
              hostPath: {path: /var/log, type: Directory}
            - name: proj
              projected:
                sources:
                - serviceAccountToken: {audience: api, expirationSeconds: 3600, path: token}
                - configMap: {name: c, items: [{key: a, path: a}]}
                - downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}
            - name: nfs
              nfs: {server: nfs.local, path: /exports}
            affinity:
              nodeAffinity:
                requiredDuringSchedulingIgnoredDuringExecution:
                  nodeSelectorTerms:
                  - matchExpressions: [{key: zone, operator: In, values: [a, b]}]
                preferredDuringSchedulingIgnoredDuringExecution:
                - weight: 10
                  preference: {matchFields: [{key: metadata.name, operator: NotIn, values: [n1]}]}
              podAntiAffinity:
                preferredDuringSchedulingIgnoredDuringExecution:
                - weight: 100
                  podAffinityTerm:
                    labelSelector: {matchLabels: {app: web}}
                    topologyKey: kubernetes.io/hostname
            tolerations:
            - {key: dedicated, operator: Equal, value: web, effect: NoSchedule}
            - {operator: Exists, effect: NoExecute, tolerationSeconds: 300}
            topologySpreadConstraints:
            - {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}
            """;

    static String podSpec(int indent) {
        return POD_SPEC.indent(indent);
    }

    static final List<Fixture> ALL = List.of(
            new Fixture("v1 Pod with probes, volumes, env and affinity", Pod.class, """
                    apiVersion: v1
                    kind: Pod
                    metadata:
                      name: web-0
                      namespace: default
                      uid: 7d2c3e4f-0000-4000-8000-000000000001
                      resourceVersion: "42"
                      generation: 3
                      creationTimestamp: "2024-01-01T00:00:00Z"
                      deletionTimestamp: "2024-01-02T03:04:05Z"
                      deletionGracePeriodSeconds: 30
                      labels: {app: web, tier: front}
                      annotations: {note: "a: b"}
                      finalizers: [example.com/cleanup]
                      ownerReferences:
                      - {apiVersion: apps/v1, kind: StatefulSet, name: web, uid: u1, controller: true, blockOwnerDeletion: true}
                      managedFields:
                      - manager: kubectl
                        operation: Apply
                        apiVersion: v1
                        time: "2024-01-01T00:00:00Z"
                        fieldsType: FieldsV1
                        fieldsV1: {"f:metadata": {"f:labels": {"f:app": {}}}}
                    spec:
                    %s
                    status:
                      phase: Running
                      podIP: 10.1.2.3
                      podIPs: [{ip: 10.1.2.3}]
                      hostIP: 192.168.0.10
                      startTime: "2024-01-01T00:00:01Z"
                      qosClass: Burstable
                      conditions:
                      - {type: Ready, status: "True", lastTransitionTime: "2024-01-01T00:00:05Z"}
                      containerStatuses:
                      - name: app
                        ready: true
                        restartCount: 2
                        image: nginx:1.27
                        imageID: docker.io/library/nginx@sha256:abc
                        started: true
                        state: {running: {startedAt: "2024-01-01T00:00:02Z"}}
                        lastState: {terminated: {exitCode: 137, reason: OOMKilled, finishedAt: "2024-01-01T00:00:01Z"}}
                    """.formatted(podSpec(2))),
            new Fixture("v1 Service with int and named targetPorts", Service.class, """
                    apiVersion: v1
                    kind: Service
                    metadata: {name: web, namespace: default}
                    spec:
                      type: LoadBalancer
                      selector: {app: web}
                      clusterIP: 10.96.0.10
                      clusterIPs: [10.96.0.10]
                      ipFamilies: [IPv4]
                      ipFamilyPolicy: SingleStack
                      sessionAffinity: ClientIP
                      sessionAffinityConfig: {clientIP: {timeoutSeconds: 600}}
                      externalTrafficPolicy: Local
                      healthCheckNodePort: 32000
                      ports:
                      - {name: http, port: 80, targetPort: 8080, protocol: TCP, nodePort: 30080}
                      - {name: metrics, port: 9090, targetPort: metrics, appProtocol: http}
                    status:
                      loadBalancer: {ingress: [{ip: 1.2.3.4, ports: [{port: 80, protocol: TCP}]}]}
                    """),
            new Fixture("v1 ConfigMap with binaryData", ConfigMap.class, """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata: {name: c, namespace: default}
                    data: {a: b, "config.yaml": "x: 1\\n"}
                    binaryData: {blob: AAEC/w==}
                    immutable: true
                    """),
            new Fixture("v1 Secret with base64 data", Secret.class, """
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: s, namespace: default, labels: {owner: helm}}
                    type: helm.sh/release.v1
                    data: {release: SDRzSUFBQUFBQUFBLw==, empty: ""}
                    """),
            new Fixture("v1 Namespace", Namespace.class, """
                    apiVersion: v1
                    kind: Namespace
                    metadata: {name: team-a, labels: {kubernetes.io/metadata.name: team-a}}
                    spec: {finalizers: [kubernetes]}
                    status:
                      phase: Terminating
                      conditions: [{type: NamespaceDeletionContentFailure, status: "False", reason: ContentDeleted, lastTransitionTime: "2024-01-01T00:00:00Z"}]
                    """),
            new Fixture("v1 Node with capacity, taints and status", Node.class, """
                    apiVersion: v1
                    kind: Node
                    metadata: {name: n1, labels: {kubernetes.io/os: linux}}
                    spec:
                      podCIDR: 10.244.0.0/24
                      podCIDRs: [10.244.0.0/24]
                      providerID: kind://n1
                      unschedulable: true
                      taints: [{key: node.kubernetes.io/unschedulable, effect: NoSchedule, timeAdded: "2024-01-01T00:00:00Z"}]
                    status:
                      capacity: {cpu: "4", memory: 16Gi, pods: "110"}
                      allocatable: {cpu: 3800m, memory: 15Gi, pods: "110"}
                      phase: Running
                      addresses: [{type: InternalIP, address: 192.168.0.10}, {type: Hostname, address: n1}]
                      daemonEndpoints: {kubeletEndpoint: {Port: 10250}}
                      conditions:
                      - {type: Ready, status: "True", lastHeartbeatTime: "2024-01-01T00:00:00Z", lastTransitionTime: "2024-01-01T00:00:00Z", reason: KubeletReady, message: ok}
                      nodeInfo: {machineID: m, systemUUID: s, bootID: b, kernelVersion: "6.1", osImage: Debian, containerRuntimeVersion: "containerd://1.7", kubeletVersion: v1.33.0, operatingSystem: linux, architecture: amd64}
                      images: [{names: [nginx:1.27], sizeBytes: 67108864000}]
                      volumesAttached: [{name: kubernetes.io/csi/x, devicePath: /dev/sdb}]
                    """),
            new Fixture("v1 PersistentVolume with hostPath and node affinity", PersistentVolume.class, """
                    apiVersion: v1
                    kind: PersistentVolume
                    metadata: {name: pv1}
                    spec:
                      capacity: {storage: 10Gi}
                      accessModes: [ReadWriteOnce]
                      persistentVolumeReclaimPolicy: Retain
                      storageClassName: manual
                      volumeMode: Filesystem
                      mountOptions: [noatime]
                      hostPath: {path: /mnt/data, type: DirectoryOrCreate}
                      claimRef: {kind: PersistentVolumeClaim, namespace: default, name: data-pvc, uid: u2}
                      nodeAffinity:
                        required:
                          nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [n1]}]}]
                    status: {phase: Bound, lastPhaseTransitionTime: "2024-01-01T00:00:00Z"}
                    """),
            new Fixture("v1 PersistentVolumeClaim with empty storageClassName", PersistentVolumeClaim.class, """
                    apiVersion: v1
                    kind: PersistentVolumeClaim
                    metadata: {name: data-pvc, namespace: default}
                    spec:
                      accessModes: [ReadWriteOnce]
                      storageClassName: ""
                      resources: {requests: {storage: 10Gi}, limits: {storage: 20Gi}}
                      selector: {matchExpressions: [{key: tier, operator: Exists}]}
                      dataSource: {kind: VolumeSnapshot, name: snap, apiGroup: snapshot.storage.k8s.io}
                    status: {phase: Bound, capacity: {storage: 10Gi}, accessModes: [ReadWriteOnce]}
                    """),
            new Fixture("v1 ServiceAccount", ServiceAccount.class, """
                    apiVersion: v1
                    kind: ServiceAccount
                    metadata: {name: runner, namespace: default}
                    automountServiceAccountToken: false
                    secrets: [{name: runner-token}]
                    imagePullSecrets: [{name: regcred}]
                    """),
            new Fixture("v1 Endpoints", Endpoints.class, """
                    apiVersion: v1
                    kind: Endpoints
                    metadata: {name: web, namespace: default}
                    subsets:
                    - addresses: [{ip: 10.1.2.3, nodeName: n1, targetRef: {kind: Pod, name: web-0, namespace: default}}]
                      notReadyAddresses: [{ip: 10.1.2.4}]
                      ports: [{name: http, port: 8080, protocol: TCP}]
                    """),
            new Fixture("v1 Event with MicroTime eventTime", Event.class, """
                    apiVersion: v1
                    kind: Event
                    metadata: {name: web-0.1, namespace: default}
                    involvedObject: {kind: Pod, namespace: default, name: web-0, uid: u1, fieldPath: "spec.containers{app}"}
                    reason: Pulled
                    message: pulled
                    source: {component: kubelet, host: n1}
                    firstTimestamp: "2024-01-01T00:00:00Z"
                    lastTimestamp: "2024-01-01T00:01:00Z"
                    eventTime: "2024-01-01T00:00:00.123456Z"
                    count: 3
                    type: Normal
                    reportingComponent: kubelet
                    reportingInstance: n1
                    series: {count: 2, lastObservedTime: "2024-01-01T00:02:00.000001Z"}
                    """),
            new Fixture("v1 LimitRange", LimitRange.class, """
                    apiVersion: v1
                    kind: LimitRange
                    metadata: {name: lr, namespace: default}
                    spec:
                      limits: [{type: Container, max: {cpu: "2"}, min: {cpu: 100m}, default: {cpu: 500m}, defaultRequest: {cpu: 250m}, maxLimitRequestRatio: {cpu: "4"}}]
                    """),
            new Fixture("v1 ResourceQuota", ResourceQuota.class, """
                    apiVersion: v1
                    kind: ResourceQuota
                    metadata: {name: rq, namespace: default}
                    spec:
                      hard: {pods: "10", requests.cpu: "4"}
                      scopes: [NotTerminating]
                      scopeSelector: {matchExpressions: [{scopeName: PriorityClass, operator: In, values: [high]}]}
                    status: {hard: {pods: "10"}, used: {pods: "3"}}
                    """),
            new Fixture("v1 ConfigMapList", ConfigMapList.class, """
                    apiVersion: v1
                    kind: ConfigMapList
                    metadata: {resourceVersion: "7", continue: abc, remainingItemCount: 5}
                    items:
                    - metadata: {name: a, namespace: default}
                      data: {k: v}
                    """, "/items/0"),
            new Fixture("meta/v1 DeleteOptions sent as v1", DeleteOptions.class, """
                    apiVersion: v1
                    kind: DeleteOptions
                    gracePeriodSeconds: 0
                    propagationPolicy: Foreground
                    preconditions: {uid: u1, resourceVersion: "5"}
                    dryRun: [All]
                    """),
            new Fixture("apps/v1 Deployment with 25% maxSurge", Deployment.class, """
                    apiVersion: apps/v1
                    kind: Deployment
                    metadata: {name: web, namespace: default, generation: 2, annotations: {deployment.kubernetes.io/revision: "1"}}
                    spec:
                      replicas: 0
                      revisionHistoryLimit: 5
                      progressDeadlineSeconds: 600
                      minReadySeconds: 10
                      selector: {matchLabels: {app: web}}
                      strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 25%%, maxUnavailable: 0}}
                      template:
                        metadata: {labels: {app: web}}
                        spec:
                    %s
                    status:
                      observedGeneration: 2
                      replicas: 3
                      updatedReplicas: 3
                      readyReplicas: 2
                      availableReplicas: 2
                      unavailableReplicas: 1
                      conditions: [{type: Available, status: "True", lastUpdateTime: "2024-01-01T00:00:00Z", lastTransitionTime: "2024-01-01T00:00:00Z", reason: MinimumReplicasAvailable, message: ok}]
                    """.formatted(podSpec(6))),
            new Fixture("apps/v1 StatefulSet with volumeClaimTemplates", StatefulSet.class, """
                    apiVersion: apps/v1
                    kind: StatefulSet
                    metadata: {name: db, namespace: default}
                    spec:
                      serviceName: db
                      replicas: 3
                      podManagementPolicy: Parallel
                      selector: {matchLabels: {app: db}}
                      updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 1, maxUnavailable: 50%}}
                      persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Retain}
                      ordinals: {start: 1}
                      template:
                        metadata: {labels: {app: db}}
                        spec:
                          containers: [{name: db, image: postgres:16}]
                      volumeClaimTemplates:
                      - metadata: {name: data}
                        spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
                    status: {replicas: 3, readyReplicas: 3, currentRevision: db-1, updateRevision: db-1, collisionCount: 1, availableReplicas: 3}
                    """, "/spec/volumeClaimTemplates/0"),
            new Fixture("apps/v1 DaemonSet", DaemonSet.class, """
                    apiVersion: apps/v1
                    kind: DaemonSet
                    metadata: {name: agent, namespace: kube-system}
                    spec:
                      selector: {matchLabels: {app: agent}}
                      updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1, maxSurge: 0}}
                      template:
                        metadata: {labels: {app: agent}}
                        spec:
                          hostNetwork: true
                          containers: [{name: agent, image: agent:1}]
                    status: {currentNumberScheduled: 2, desiredNumberScheduled: 2, numberReady: 2}
                    """),
            new Fixture("apps/v1 ControllerRevision with raw data", ControllerRevision.class, """
                    apiVersion: apps/v1
                    kind: ControllerRevision
                    metadata: {name: db-1, namespace: default}
                    revision: 1
                    data: {spec: {template: {metadata: {labels: {app: db}}}}}
                    """),
            new Fixture("batch/v1 Job", Job.class, """
                    apiVersion: batch/v1
                    kind: Job
                    metadata: {name: pi, namespace: default}
                    spec:
                      parallelism: 2
                      completions: 4
                      backoffLimit: 0
                      activeDeadlineSeconds: 600
                      ttlSecondsAfterFinished: 100
                      completionMode: Indexed
                      suspend: false
                      podFailurePolicy:
                        rules: [{action: FailJob, onExitCodes: {operator: In, values: [42]}}]
                      template:
                        spec:
                          restartPolicy: Never
                          containers: [{name: pi, image: perl, command: [perl, -e, "print 1"]}]
                    status: {active: 1, succeeded: 2, startTime: "2024-01-01T00:00:00Z", completedIndexes: "0-1", uncountedTerminatedPods: {succeeded: [u1]}}
                    """),
            new Fixture("batch/v1 CronJob", CronJob.class, """
                    apiVersion: batch/v1
                    kind: CronJob
                    metadata: {name: nightly, namespace: default}
                    spec:
                      schedule: "0 3 * * *"
                      timeZone: Etc/UTC
                      concurrencyPolicy: Forbid
                      startingDeadlineSeconds: 200
                      successfulJobsHistoryLimit: 3
                      failedJobsHistoryLimit: 1
                      jobTemplate:
                        metadata: {labels: {job: nightly}}
                        spec:
                          template:
                            spec:
                              restartPolicy: OnFailure
                              containers: [{name: c, image: busybox}]
                    status: {lastScheduleTime: "2024-01-01T03:00:00Z", active: [{kind: Job, name: nightly-1, namespace: default}]}
                    """),
            new Fixture("autoscaling/v1 HorizontalPodAutoscaler", HorizontalPodAutoscaler.class, """
                    apiVersion: autoscaling/v1
                    kind: HorizontalPodAutoscaler
                    metadata: {name: web, namespace: default}
                    spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, minReplicas: 1, maxReplicas: 10, targetCPUUtilizationPercentage: 80}
                    status: {currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 90, lastScaleTime: "2024-01-01T00:00:00Z"}
                    """),
            new Fixture("storage.k8s.io/v1 StorageClass", StorageClass.class, """
                    apiVersion: storage.k8s.io/v1
                    kind: StorageClass
                    metadata: {name: fast}
                    provisioner: kubernetes.io/no-provisioner
                    parameters: {type: ssd}
                    reclaimPolicy: Delete
                    volumeBindingMode: WaitForFirstConsumer
                    allowVolumeExpansion: true
                    mountOptions: [discard]
                    allowedTopologies: [{matchLabelExpressions: [{key: zone, values: [a]}]}]
                    """),
            new Fixture("storage.k8s.io/v1 CSIDriver", CSIDriver.class, """
                    apiVersion: storage.k8s.io/v1
                    kind: CSIDriver
                    metadata: {name: csi.example.com}
                    spec: {attachRequired: false, podInfoOnMount: true, volumeLifecycleModes: [Persistent, Ephemeral], fsGroupPolicy: File, tokenRequests: [{audience: api, expirationSeconds: 600}]}
                    """),
            new Fixture("storage.k8s.io/v1 VolumeAttachment", VolumeAttachment.class, """
                    apiVersion: storage.k8s.io/v1
                    kind: VolumeAttachment
                    metadata: {name: va1}
                    spec: {attacher: csi.example.com, nodeName: n1, source: {persistentVolumeName: pv1}}
                    status: {attached: true, attachmentMetadata: {dev: /dev/sdb}, attachError: {time: "2024-01-01T00:00:00Z", message: retry}}
                    """),
            new Fixture("policy/v1 Eviction", Eviction.class, """
                    apiVersion: policy/v1
                    kind: Eviction
                    metadata: {name: web-0, namespace: default}
                    deleteOptions: {gracePeriodSeconds: 30, preconditions: {uid: u1}}
                    """, "/deleteOptions"),
            new Fixture("policy/v1 PodDisruptionBudget", PodDisruptionBudget.class, """
                    apiVersion: policy/v1
                    kind: PodDisruptionBudget
                    metadata: {name: web, namespace: default}
                    spec: {minAvailable: 50%, selector: {matchLabels: {app: web}}, unhealthyPodEvictionPolicy: AlwaysAllow}
                    status: {currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1, disruptedPods: {web-0: "2024-01-01T00:00:00Z"}}
                    """),
            new Fixture("networking.k8s.io/v1 Ingress with inlined http rule", Ingress.class, """
                    apiVersion: networking.k8s.io/v1
                    kind: Ingress
                    metadata: {name: web, namespace: default}
                    spec:
                      ingressClassName: nginx
                      tls: [{hosts: [a.example.com], secretName: tls}]
                      defaultBackend: {service: {name: web, port: {number: 80}}}
                      rules:
                      - host: a.example.com
                        http:
                          paths:
                          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
                    status: {loadBalancer: {ingress: [{hostname: lb.example.com}]}}
                    """),
            new Fixture("networking.k8s.io/v1 NetworkPolicy", NetworkPolicy.class, """
                    apiVersion: networking.k8s.io/v1
                    kind: NetworkPolicy
                    metadata: {name: deny, namespace: default}
                    spec:
                      podSelector: {matchLabels: {app: web}}
                      policyTypes: [Ingress, Egress]
                      ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}, {namespaceSelector: {}}], ports: [{port: 80, protocol: TCP}, {port: http, endPort: 90}]}]
                      egress: [{to: [{podSelector: {matchLabels: {app: db}}}]}]
                    """),
            new Fixture("rbac.authorization.k8s.io/v1 Role", Role.class, """
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: Role
                    metadata: {name: reader, namespace: default}
                    rules: [{apiGroups: [""], resources: [pods], verbs: [get, list], resourceNames: [web-0]}]
                    """),
            new Fixture("rbac.authorization.k8s.io/v1 ClusterRoleBinding", ClusterRoleBinding.class, """
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: ClusterRoleBinding
                    metadata: {name: readers}
                    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
                    subjects: [{kind: Group, name: dev, apiGroup: rbac.authorization.k8s.io}, {kind: ServiceAccount, name: runner, namespace: default}]
                    """),
            new Fixture("scheduling.k8s.io/v1 PriorityClass", PriorityClass.class, """
                    apiVersion: scheduling.k8s.io/v1
                    kind: PriorityClass
                    metadata: {name: high}
                    value: 1000000
                    description: high
                    preemptionPolicy: Never
                    """));
}
