{{/*
One leader-elected or load-balanced Capstan role as a Deployment with its Service (for clients
and for scraping /q/metrics) and its PodDisruptionBudget. Call with
(dict "root" $ "component" "scheduler" "values" .Values.scheduler "env" (include ... ) "ready" "/q/health/ready" "live" "/q/health/live"),
optionally with "portName" (of the HTTP port, default http) and "extraPorts" (more ports of the
container and the Service: a list of dicts with name, port and optionally appProtocol).
*/}}
{{- define "capstan.role" -}}
{{- $root := .root -}}
{{- $name := printf "%s-%s" (include "capstan.fullname" $root) .component -}}
{{- $labels := dict "root" $root "component" .component -}}
{{- $portName := .portName | default "http" -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "capstan.labels" $labels | nindent 4 }}
spec:
  replicas: {{ .values.replicas }}
  selector:
    matchLabels:
      {{- include "capstan.selectorLabels" $labels | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxUnavailable: 0, maxSurge: 1}
  template:
    metadata:
      labels:
        {{- include "capstan.labels" $labels | nindent 8 }}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ .values.port | quote }}
        prometheus.io/path: /q/metrics
        {{- with $root.Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      {{- include "capstan.podCommon" $root | nindent 6 }}
      {{- include "capstan.scheduling" (dict "root" $root "component" .component "values" .values) | trim | nindent 6 }}
      terminationGracePeriodSeconds: 30
      containers:
        - name: {{ .component }}
          image: {{ include "capstan.image" (dict "root" $root "role" .component "override" .values.image) | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          env:
            {{- include "capstan.commonEnv" .values | nindent 12 }}
            - {name: QUARKUS_HTTP_PORT, value: {{ .values.port | quote }}}
            {{- .env | nindent 12 }}
            {{- with .values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          ports:
            - {name: {{ $portName }}, containerPort: {{ .values.port }}}
            {{- range .extraPorts }}
            - {name: {{ .name }}, containerPort: {{ .port }}}
            {{- end }}
          {{- include "capstan.probes" (dict "port" $portName "ready" .ready "live" .live) | nindent 10 }}
          resources:
            {{- toYaml .values.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          volumeMounts:
            - {name: tmp, mountPath: /tmp}
            - {name: data, mountPath: /var/lib/capstan}
      volumes:
        - name: tmp
          emptyDir: {}
        - name: data
          emptyDir: {}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "capstan.labels" $labels | nindent 4 }}
  {{- with (.values.service).annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ (.values.service).type | default "ClusterIP" }}
  selector:
    {{- include "capstan.selectorLabels" $labels | nindent 4 }}
  ports:
    - name: {{ $portName }}
      port: {{ .values.port }}
      targetPort: {{ $portName }}
      {{- with (.values.service).nodePort }}
      nodePort: {{ . }}
      {{- end }}
    {{- range .extraPorts }}
    - name: {{ .name }}
      port: {{ .port }}
      targetPort: {{ .name }}
      {{- with .appProtocol }}
      appProtocol: {{ . }}
      {{- end }}
    {{- end }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "capstan.labels" $labels | nindent 4 }}
spec:
  minAvailable: {{ .values.pdb.minAvailable }}
  selector:
    matchLabels:
      {{- include "capstan.selectorLabels" $labels | nindent 6 }}
{{- end -}}
