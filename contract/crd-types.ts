/**
 * ack-secret-manager's `alibabacloud.com/v1alpha1` objects, as far as this project reads them.
 * Field names are the real JSON names from the Go types (note `remoteRamRoleARN` and the
 * capitalised `KMS`/`OOS` provider keys); see shared/reference/ack-secret-manager-semantics.md §1.
 * The webhook resolves them; the rule engine and `render` consume the `data`/`dataProcess` shapes.
 */
export const CRD_GROUP = 'alibabacloud.com';
export const CRD_VERSION = 'v1alpha1';
export const CRD_API_VERSION = `${CRD_GROUP}/${CRD_VERSION}`;

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  resourceVersion?: string;
}

export interface SecretStoreRef {
  name: string;
  /** `SecretStore` (default) or `ClusterSecretStore`. */
  kind?: 'SecretStore' | 'ClusterSecretStore';
  /** Deprecated upstream; for this project it must be empty or the pod's namespace. */
  namespace?: string;
}

export interface JmesPathObject {
  path: string;
  objectAlias?: string;
}

export interface DataSource {
  secretStoreRef?: SecretStoreRef;
  key: string;
  name?: string;
  versionStage?: string;
  versionId?: string;
  jmesPath?: JmesPathObject[];
  kmsEndpoint?: string;
}

export interface ReplaceRule {
  source: string;
  target: string;
}

export interface DataProcess {
  extract?: DataSource;
  replaceRule?: ReplaceRule[];
}

export interface ExternalSecretSpec {
  /** `kms` (default when empty) or `oos`. */
  provider?: string;
  data?: DataSource[];
  dataProcess?: DataProcess[];
  type?: string;
  /** Go duration: this ExternalSecret's refresh interval. */
  rotationInterval?: string;
  target?: ExternalSecretTarget;
}

/** `spec.target` (0.6.x): the Secret's name and the templates that shape its data. */
export interface ExternalSecretTarget {
  name?: string;
  template?: ExternalSecretTemplate;
}

/** `spec.target.template` (docs/templates.md). */
export interface ExternalSecretTemplate {
  /** Inline templates: file name → Go template. */
  data?: Record<string, string>;
  templateFrom?: TemplateFrom[];
  /** Secret metadata: no effect on files (admission warns). */
  metadata?: { annotations?: Record<string, string>; labels?: Record<string, string> };
  /** Secret type: no effect on files (admission warns). */
  type?: string;
  /** `Replace` (default) or `Merge`. */
  mergePolicy?: string;
}

/** One `templateFrom[]` entry: exactly one of configMap, secret, literal. */
export interface TemplateFrom {
  configMap?: TemplateRef;
  secret?: TemplateRef;
  literal?: string;
  /** `Data` (default), `Annotations`, `Labels`. */
  target?: string;
}

export interface TemplateRef {
  name: string;
  items: TemplateRefItem[];
}

export interface TemplateRefItem {
  key: string;
  /** `Values` (default) or `KeysAndValues`. */
  templateAs?: string;
}

export interface ExternalSecret {
  apiVersion?: string;
  kind?: 'ExternalSecret';
  metadata: ObjectMeta;
  spec: ExternalSecretSpec;
}

export interface SecretKeyRef {
  name: string;
  namespace?: string;
  key: string;
}

export interface ServiceAccountRef {
  name: string;
  namespace?: string;
  audiences?: string[];
}

/** `KMSAuth` / `OOSAuth`: identical fields upstream. */
export interface ProviderAuth {
  accessKey?: SecretKeyRef;
  accessKeySecret?: SecretKeyRef;
  ramRoleARN?: string;
  ramRoleSessionName?: string;
  oidcProviderARN?: string;
  oidcTokenFilePath?: string;
  roleSessionExpiration?: string;
  remoteRamRoleARN?: string;
  remoteRamRoleSessionName?: string;
  serviceAccountRef?: ServiceAccountRef;
}

export interface SecretStoreSpec {
  KMS?: { KMSAuth?: ProviderAuth };
  OOS?: { OOSAuth?: ProviderAuth };
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface ClusterSecretStoreCondition {
  namespaceSelector?: LabelSelector;
  namespaces?: string[];
  namespaceRegexes?: string[];
}

export interface SecretStore {
  apiVersion?: string;
  kind?: 'SecretStore';
  metadata: ObjectMeta;
  spec: SecretStoreSpec;
}

export interface ClusterSecretStore {
  apiVersion?: string;
  kind?: 'ClusterSecretStore';
  metadata: ObjectMeta;
  spec: SecretStoreSpec & { conditions?: ClusterSecretStoreCondition[] };
}

/** A ClusterExternalSecret's namespace condition: the same three fields as a ClusterSecretStore's. */
export type ClusterExternalSecretCondition = ClusterSecretStoreCondition;

/**
 * One ExternalSecret spec for many namespaces (reference §1.4). Pods name it by
 * `externalSecretName` (default: its own name); its conditions and deprecated
 * `namespaceSelectors` select the namespaces (§1.5).
 */
export interface ClusterExternalSecret {
  apiVersion?: string;
  kind?: 'ClusterExternalSecret';
  metadata: ObjectMeta;
  spec: {
    externalSecretSpec: ExternalSecretSpec;
    externalSecretName?: string;
    externalSecretMetadata?: { annotations?: Record<string, string>; labels?: Record<string, string> };
    namespaceSelectors?: (LabelSelector | null)[];
    conditions?: ClusterExternalSecretCondition[];
    rotationInterval?: string;
  };
}
