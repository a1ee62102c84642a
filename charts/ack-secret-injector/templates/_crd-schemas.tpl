{{/*
OpenAPI schemas shared by the CRDs in crds.yaml. Field names are the JSON names of
ack-secret-manager's Go types (pkg/apis/alibabacloud/v1alpha1, 0.6.x; see
docs/chart.md "CRDs"), so both projects can share one set of CRDs.
*/}}

{{- define "asi.crd.secretRef" -}}
type: object
description: A key of a Kubernetes Secret holding an AccessKey part.
required: [name, key]
properties:
  name:
    type: string
  namespace:
    type: string
  key:
    type: string
{{- end -}}

{{- define "asi.crd.providerAuth" -}}
type: object
description: Credentials for KMS or OOS (KMSAuth / OOSAuth have the same fields).
properties:
  accessKey:
    {{- include "asi.crd.secretRef" . | nindent 4 }}
  accessKeySecret:
    {{- include "asi.crd.secretRef" . | nindent 4 }}
  ramRoleARN:
    type: string
  ramRoleSessionName:
    type: string
  oidcProviderARN:
    type: string
  oidcTokenFilePath:
    type: string
  roleSessionExpiration:
    type: string
  # The real JSON key is remoteRamRoleARN (upstream docs misspell it remoteRamRoleArn).
  remoteRamRoleARN:
    type: string
  remoteRamRoleSessionName:
    type: string
  serviceAccountRef:
    type: object
    required: [name]
    properties:
      name:
        type: string
      namespace:
        type: string
      audiences:
        type: array
        items:
          type: string
{{- end -}}

{{- define "asi.crd.providers" -}}
KMS:
  type: object
  maxProperties: 1
  properties:
    KMSAuth:
      {{- include "asi.crd.providerAuth" . | nindent 6 }}
OOS:
  type: object
  properties:
    OOSAuth:
      {{- include "asi.crd.providerAuth" . | nindent 6 }}
{{- end -}}

{{- define "asi.crd.storeStatus" -}}
type: object
properties:
  conditions:
    type: array
    items:
      type: object
      required: [type, status]
      properties:
        type:
          type: string
        status:
          type: string
        reason:
          type: string
        message:
          type: string
        lastTransitionTime:
          type: string
          format: date-time
        observedGeneration:
          type: integer
          format: int64
  capabilities:
    type: string
  clientGeneration:
    type: integer
    format: int64
{{- end -}}

{{- define "asi.crd.dataSource" -}}
type: object
required: [key]
properties:
  key:
    type: string
    description: KMS secret name or OOS parameter name.
  name:
    type: string
    description: Secret key (file name) to write; defaults to key.
  versionStage:
    type: string
  versionId:
    type: string
  kmsEndpoint:
    type: string
  secretStoreRef:
    type: object
    required: [name]
    properties:
      name:
        type: string
      kind:
        type: string
        enum: [SecretStore, ClusterSecretStore]
        default: SecretStore
      namespace:
        type: string
        description: Deprecated upstream.
  jmesPath:
    type: array
    items:
      type: object
      required: [path, objectAlias]
      properties:
        path:
          type: string
        objectAlias:
          type: string
{{- end -}}

{{- define "asi.crd.templateRef" -}}
type: object
required: [name]
properties:
  name:
    type: string
    minLength: 1
    maxLength: 253
    pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'
  items:
    type: array
    items:
      type: object
      required: [key]
      properties:
        key:
          type: string
          minLength: 1
          maxLength: 253
          pattern: '^[-._a-zA-Z0-9]+$'
        templateAs:
          type: string
          enum: [Values, KeysAndValues]
          default: Values
{{- end -}}

{{- define "asi.crd.externalSecretSpec" -}}
type: object
properties:
  provider:
    type: string
    description: kms (default) or oos.
  type:
    type: string
  rotationInterval:
    type: string
  data:
    type: array
    items:
      {{- include "asi.crd.dataSource" . | nindent 6 }}
  dataProcess:
    type: array
    items:
      type: object
      properties:
        extract:
          {{- include "asi.crd.dataSource" . | nindent 10 }}
        replaceRule:
          type: array
          items:
            type: object
            required: [target, source]
            properties:
              target:
                type: string
              source:
                type: string
  target:
    type: object
    properties:
      name:
        type: string
      template:
        type: object
        properties:
          data:
            type: object
            additionalProperties:
              type: string
          type:
            type: string
          mergePolicy:
            type: string
            enum: [Replace, Merge]
            default: Replace
          metadata:
            type: object
            properties:
              annotations:
                type: object
                additionalProperties:
                  type: string
              labels:
                type: object
                additionalProperties:
                  type: string
          templateFrom:
            type: array
            items:
              type: object
              properties:
                configMap:
                  {{- include "asi.crd.templateRef" . | nindent 18 }}
                secret:
                  {{- include "asi.crd.templateRef" . | nindent 18 }}
                target:
                  type: string
                  enum: [Data, Annotations, Labels]
                  default: Data
                literal:
                  type: string
{{- end -}}

{{- define "asi.crd.namespaceConditions" -}}
type: array
items:
  type: object
  properties:
    namespaceSelector:
      type: object
      # A metav1.LabelSelector.
      properties:
        matchLabels:
          type: object
          additionalProperties:
            type: string
        matchExpressions:
          type: array
          items:
            type: object
            required: [key, operator]
            properties:
              key:
                type: string
              operator:
                type: string
              values:
                type: array
                items:
                  type: string
      x-kubernetes-map-type: atomic
    namespaces:
      type: array
      items:
        type: string
        minLength: 1
        maxLength: 63
        pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'
    namespaceRegexes:
      type: array
      items:
        type: string
{{- end -}}

{{- define "asi.crd.labelSelector" -}}
type: object
# A metav1.LabelSelector.
properties:
  matchLabels:
    type: object
    additionalProperties:
      type: string
  matchExpressions:
    type: array
    items:
      type: object
      required: [key, operator]
      properties:
        key:
          type: string
        operator:
          type: string
        values:
          type: array
          items:
            type: string
x-kubernetes-map-type: atomic
{{- end -}}
