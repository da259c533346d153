{{/* Stand-in helpers (not the real chart's). */}}
{{- define "harbor.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "core") */}}
{{- define "harbor.selectorLabels" -}}
release: {{ .root.Release.Name }}
app: harbor
component: {{ .component }}
{{- end -}}

{{- define "harbor.labels" -}}
{{ include "harbor.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ .root.Chart.Name }}-{{ .root.Chart.Version }}
{{- end -}}

{{/* A component's Service: (dict "root" $ "component" "core" "port" 8080) */}}
{{- define "harbor.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "harbor.fullname" .root }}-{{ .component }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "harbor.labels" . | nindent 4 }}
spec:
  selector:
    {{- include "harbor.selectorLabels" . | nindent 4 }}
  ports:
    - {name: http, port: {{ .port }}, targetPort: {{ .port }}}
{{- end -}}
