{{/* The release's full name, the prefix of every object. */}}
{{- define "capstan.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels of every object; call with (dict "root" $ "component" "api-server"). */}}
{{- define "capstan.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: capstan
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{ include "capstan.selectorLabels" . }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "capstan.selectorLabels" -}}
app.kubernetes.io/name: capstan
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "capstan.serviceAccountName" -}}
{{- default (include "capstan.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{/* A Capstan role's image; call with (dict "root" $ "role" "api-server" "override" .Values.apiServer.image). */}}
{{- define "capstan.image" -}}
{{- if .override -}}
{{- .override -}}
{{- else -}}
{{- printf "%s/%s:%s" .root.Values.image.repository .role (default .root.Chart.AppVersion .root.Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* etcd's client URLs: the embedded members' stable names, or the external endpoints. */}}
{{- define "capstan.etcdEndpoints" -}}
{{- if .Values.etcd.enabled -}}
{{- $name := printf "%s-etcd" (include "capstan.fullname" .) -}}
{{- $urls := list -}}
{{- range $i := until (int .Values.etcd.replicas) -}}
{{- $urls = append $urls (printf "http://%s-%d.%s-headless.%s.svc.%s:2379" $name $i $name $.Release.Namespace $.Values.clusterDomain) -}}
{{- end -}}
{{- join "," $urls -}}
{{- else -}}
{{- required "etcd.externalEndpoints is required when etcd.enabled is false" .Values.etcd.externalEndpoints -}}
{{- end -}}
{{- end -}}

{{/* Kafka's bootstrap servers: the embedded brokers' stable names, or the external ones. */}}
{{- define "capstan.kafkaBootstrapServers" -}}
{{- if .Values.kafka.enabled -}}
{{- $name := printf "%s-kafka" (include "capstan.fullname" .) -}}
{{- $servers := list -}}
{{- range $i := until (int .Values.kafka.replicas) -}}
{{- $servers = append $servers (printf "%s-%d.%s-headless.%s.svc.%s:9092" $name $i $name $.Release.Namespace $.Values.clusterDomain) -}}
{{- end -}}
{{- join "," $servers -}}
{{- else -}}
{{- required "kafka.externalBootstrapServers is required when kafka.enabled is false" .Values.kafka.externalBootstrapServers -}}
{{- end -}}
{{- end -}}

{{- define "capstan.apiServerUrl" -}}
{{- printf "http://%s-api-server.%s.svc.%s:%d" (include "capstan.fullname" .) .Release.Namespace .Values.clusterDomain (int .Values.apiServer.port) -}}
{{- end -}}

{{/* The mesh control plane's xDS server as host:port, for the node data planes: proxy.xdsAddress, else the chart's Service. */}}
{{- define "capstan.xdsAddress" -}}
{{- if .Values.proxy.xdsAddress -}}
{{- .Values.proxy.xdsAddress -}}
{{- else if .Values.meshControlPlane.enabled -}}
{{- printf "%s-mesh-control-plane.%s.svc.%s:%d" (include "capstan.fullname" .) .Release.Namespace .Values.clusterDomain (int .Values.meshControlPlane.xdsPort) -}}
{{- else -}}
{{- fail "proxy.xdsAddress is required when meshControlPlane.enabled is false" -}}
{{- end -}}
{{- end -}}

{{/* The pod-level settings of a node data plane (proxy, envoy): its own security context; call with (dict "root" $ "values" .Values.proxy). */}}
{{- define "capstan.nodeDataPlanePod" -}}
serviceAccountName: {{ include "capstan.serviceAccountName" .root }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .values.podSecurityContext | nindent 2 }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
# In the host's network namespace, as kube-proxy: NodePorts at the node's address. The host
# cluster's DNS still resolves the mesh control plane's Service.
hostNetwork: true
dnsPolicy: ClusterFirstWithHostNet
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Spread a role's replicas over nodes unless the values give an affinity of their own. */}}
{{- define "capstan.scheduling" -}}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if .values.affinity }}
affinity:
  {{- toYaml .values.affinity | nindent 2 }}
{{- else }}
affinity:
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          topologyKey: kubernetes.io/hostname
          labelSelector:
            matchLabels:
              {{- include "capstan.selectorLabels" (dict "root" .root "component" .component) | nindent 14 }}
{{- end }}
{{- end -}}

{{/* The pod-level settings every Capstan role shares. */}}
{{- define "capstan.podCommon" -}}
serviceAccountName: {{ include "capstan.serviceAccountName" . }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Quarkus' health endpoints as the three probes; call with (dict "port" "http" "ready" "/q/health/ready" "live" "/q/health/live"). */}}
{{- define "capstan.probes" -}}
startupProbe:
  httpGet: {path: {{ .live }}, port: {{ .port }}}
  periodSeconds: 2
  failureThreshold: 60
livenessProbe:
  httpGet: {path: {{ .live }}, port: {{ .port }}}
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet: {path: {{ .ready }}, port: {{ .port }}}
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 3
{{- end -}}

{{/* Environment every Capstan role shares: JVM flags and the pod's own name. */}}
{{- define "capstan.commonEnv" -}}
- name: JAVA_OPTS
  value: {{ .javaOpts | quote }}
- name: POD_NAME
  valueFrom:
    fieldRef: {fieldPath: metadata.name}
- name: POD_NAMESPACE
  valueFrom:
    fieldRef: {fieldPath: metadata.namespace}
{{- end -}}
