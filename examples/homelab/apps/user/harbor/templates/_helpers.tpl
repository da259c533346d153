{{/*
Labels for resources owned by the wrapper chart itself (not the upstream
subchart). Named m0sh1-harbor.* to avoid clashing with the subchart's
harbor.* helpers.
*/}}
{{- define "m0sh1-harbor.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: harbor
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}
