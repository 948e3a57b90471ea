{{/* Names and labels shared by every object of the chart. */}}

{{- define "secret-api.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "secret-api.controllerName" -}}
{{- printf "%s-controller" (include "secret-api.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels without the instance, for objects that add their selector labels (which hold it). */}}
{{- define "secret-api.baseLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/part-of: secret-api
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "secret-api.labels" -}}
{{ include "secret-api.baseLabels" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Selector labels: stable across upgrades (a Deployment's selector is immutable). */}}
{{- define "secret-api.apiSelector" -}}
app.kubernetes.io/name: secret-api
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "secret-api.controllerSelector" -}}
app.kubernetes.io/name: secret-controller
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* registry/repository:tag, the tag defaulting to the chart's appVersion. Usage: include "secret-api.image" (list . .Values.api.image) */}}
{{- define "secret-api.image" -}}
{{- $root := index . 0 -}}
{{- $image := merge (dict) (index . 1) $root.Values.image -}}
{{- $tag := $image.tag | default $root.Chart.AppVersion -}}
{{- if $image.registry -}}
{{- printf "%s/%s:%s" $image.registry $image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" $image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* The API's in-cluster URL: what the controller calls unless controller.secretApiUrl says otherwise. */}}
{{- define "secret-api.apiUrl" -}}
{{- if .Values.controller.secretApiUrl -}}
{{- .Values.controller.secretApiUrl -}}
{{- else -}}
{{- printf "http://%s.%s.svc:%v" (include "secret-api.fullname" .) .Release.Namespace .Values.api.service.port -}}
{{- end -}}
{{- end -}}

{{/* Locked-down container: nothing to gain, nothing to write but the mounted volumes. */}}
{{- define "secret-api.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
{{- end -}}

{{- define "secret-api.podSecurityContext" -}}
runAsNonRoot: true
# node in the node images; any non-root uid works, the images own nothing they write to.
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end -}}
