{{/*
Names, labels and the checks that need more than values.schema.json can say.
*/}}

{{/* The chart name, overridable. */}}
{{- define "asi.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The resource name prefix: <release>-<chart>, or the release name when it already holds the chart name. */}}
{{- define "asi.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels that select the webhook pods. */}}
{{- define "asi.selectorLabels" -}}
app.kubernetes.io/name: {{ include "asi.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels on every object of the release. */}}
{{- define "asi.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "asi.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: ack-secret-injector
{{- end -}}

{{- define "asi.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "asi.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The kubernetes.io/tls Secret with the serving certificate (every mode). */}}
{{- define "asi.tlsSecretName" -}}
{{- default (printf "%s-tls" (include "asi.fullname" .)) .Values.certificates.secretName -}}
{{- end -}}

{{/* The Lease that elects the certificate writer (self-managed). */}}
{{- define "asi.leaseName" -}}
{{- default (printf "%s-certs" (include "asi.fullname" .)) .Values.certificates.selfManaged.leaseName -}}
{{- end -}}

{{/* The MutatingWebhookConfiguration is cluster-scoped, so its name carries the release namespace. */}}
{{- define "asi.webhookConfigName" -}}
{{- printf "%s-%s" (include "asi.fullname" .) .Release.Namespace | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The webhook image reference: digest wins over tag; tag defaults to appVersion. */}}
{{- define "asi.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The serving certificate's cert-manager Certificate name. */}}
{{- define "asi.certificateName" -}}
{{- printf "%s-serving" (include "asi.fullname" .) -}}
{{- end -}}

{{/*
Cross-field checks, all reported at once: values.schema.json checks each value's type and
syntax, these check what only makes sense together.
*/}}
{{- define "asi.validate" -}}
{{- $problems := list -}}
{{- $s := .Values.settings -}}
{{- if not $s.region -}}
{{- $problems = append $problems "settings.region: required; set the Alibaba Cloud region of the cluster, e.g. --set settings.region=cn-hangzhou" -}}
{{- end -}}
{{- if and (not $s.oidcProviderArn) (not (and $s.accountId $s.clusterId)) -}}
{{- $problems = append $problems "settings.oidcProviderArn: required unless both settings.accountId and settings.clusterId are set (the ARN is then acs:ram::<accountId>:oidc-provider/ack-rrsa-<clusterId>)" -}}
{{- end -}}
{{- if and .Values.webhook.url (not .Values.webhook.caBundle) (ne .Values.certificates.mode "self-managed") -}}
{{- $problems = append $problems "webhook.caBundle: required with webhook.url unless certificates.mode is self-managed (whose certificate writer keeps caBundle in step); the PEM CA that signed the certificate served at that URL" -}}
{{- end -}}
{{- if eq .Values.certificates.mode "existing-secret" -}}
{{- if not .Values.certificates.secretName -}}
{{- $problems = append $problems "certificates.secretName: required with certificates.mode existing-secret; the name of your kubernetes.io/tls Secret in the release namespace" -}}
{{- end -}}
{{- if and (not .Values.certificates.existingSecret.caBundle) (not .Values.webhook.caBundle) -}}
{{- $problems = append $problems "certificates.existingSecret.caBundle: required with certificates.mode existing-secret; the PEM CA that signed the certificate in that Secret" -}}
{{- end -}}
{{- end -}}
{{- $pdb := .Values.podDisruptionBudget -}}
{{- if and $pdb.enabled (kindIs "float64" $pdb.minAvailable) (ge (int $pdb.minAvailable) (int .Values.replicaCount)) -}}
{{- $problems = append $problems (printf "podDisruptionBudget.minAvailable: %v with replicaCount %v would block every node drain; lower it below replicaCount, raise replicaCount, or disable the budget" $pdb.minAvailable .Values.replicaCount) -}}
{{- end -}}
{{- if $problems -}}
{{- fail (printf "\n\nack-secret-injector: invalid values (%d problem(s)):\n  - %s\n" (len $problems) (join "\n  - " $problems)) -}}
{{- end -}}
{{- end -}}
