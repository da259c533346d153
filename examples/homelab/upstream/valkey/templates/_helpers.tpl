{{/* Stand-in helpers (not the real chart's). */}}
{{- define "valkey.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (default .Chart.Name .Values.nameOverride) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "valkey.selectorLabels" -}}
app.kubernetes.io/name: {{ default .Chart.Name .Values.nameOverride }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "valkey.labels" -}}
{{ include "valkey.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{/* The pod spec both workload kinds share; `claim` is the PVC of the standalone Deployment. */}}
{{- define "valkey.podSpec" -}}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
containers:
  - name: valkey
    image: {{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
    args: ["/etc/valkey/valkey.conf"]
    ports:
      - {name: tcp, containerPort: 6379}
    {{- with .Values.resources }}
    resources:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    volumeMounts:
      - {name: config, mountPath: /etc/valkey}
      - {name: data, mountPath: /data}
      {{- if .Values.auth.enabled }}
      - {name: users, mountPath: /etc/valkey/users, readOnly: true}
      {{- end }}
volumes:
  - name: config
    configMap:
      name: {{ include "valkey.fullname" . }}-config
  {{- if .Values.auth.enabled }}
  - name: users
    secret:
      secretName: {{ required "auth.usersExistingSecret is required with auth.enabled" .Values.auth.usersExistingSecret }}
      items:
        - {key: users.acl, path: users.acl}
  {{- end }}
{{- end -}}
