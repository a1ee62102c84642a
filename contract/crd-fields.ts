/**
 * The field inventory of ack-secret-manager's four CRDs (`alibabacloud.com/v1alpha1`): every
 * field of SecretStore, ClusterSecretStore, ExternalSecret and ClusterExternalSecret, with its
 * JSON shape and its FATE in a pod (issue 17, DESIGN.md §5 "the CRDs' whole contract").
 *
 * One table serves three readers, so they cannot drift apart:
 * - `validateCrdObject` (contract/crd-shape.ts) walks an object against it: a wrong shape is a
 *   denial naming the field, an unknown key a warning with the nearest known name, a `warned`
 *   field a warning that says why it has no effect;
 * - docs/compatibility.md is generated from it (scripts/compatibility-doc.ts) and a test checks
 *   the checked-in page equals the generated one;
 * - the field tests generate one wrong-typed object per field from it.
 *
 * Shapes and names follow the Go types (semantics reference §1): note the capitalised `KMS`/`OOS`
 * provider keys and `remoteRamRoleARN`.
 */

/**
 * What happens to a field a user sets:
 * - `honoured`: applied per pod (how: `note`);
 * - `warned`: accepted, with an admission warning that says why it has no effect in a pod;
 * - `denied`: refused at admission with the reason and what to use instead;
 * - `conditional`: honoured in some values, denied or warned in others (the note says which);
 * - `templates`: `target.template`, owned by issue 12 (templates);
 * - `status`: written by ack-secret-manager's controller; the injector never reads it.
 */
export type Fate = 'honoured' | 'warned' | 'denied' | 'conditional' | 'templates' | 'status';

/** A JSON shape. `duration` is a Go duration string; `map` is a map of string to string. */
export type Shape =
  | { type: 'string'; enum?: readonly string[] }
  | { type: 'duration' }
  | { type: 'boolean' }
  | { type: 'integer' }
  | { type: 'map' }
  | { type: 'array'; items: Shape }
  | { type: 'object'; fields: Readonly<Record<string, Field>> };

/** One field: its shape, fate and the reason users read in warnings and docs. */
export type Field = Shape & {
  fate: Fate;
  /** What the field does here (honoured) or why it does not (warned/denied). One sentence. */
  note: string;
  /** Denied when missing (the CRD schema marks it required and the injector needs it). */
  required?: boolean;
};

/** The four kinds. */
export const CRD_KINDS = ['ExternalSecret', 'ClusterExternalSecret', 'SecretStore', 'ClusterSecretStore'] as const;
export type CrdKind = (typeof CRD_KINDS)[number];

const f = (shape: Shape, fate: Fate, note: string, required = false): Field => (required ? { ...shape, fate, note, required } : { ...shape, fate, note });
const str = (fate: Fate, note: string, required = false): Field => f({ type: 'string' }, fate, note, required);
const obj = (fields: Record<string, Field>): Shape => ({ type: 'object', fields });
const arr = (items: Shape): Shape => ({ type: 'array', items });

// ---- shared pieces -------------------------------------------------------------------------

const labelSelector = (fate: Fate, note: string): Field => f(obj({
  matchLabels: f({ type: 'map' }, 'honoured', 'Labels the Namespace must carry (ANDed with matchExpressions).'),
  matchExpressions: f(arr(obj({
    key: str('honoured', 'Label key.', true),
    operator: f({ type: 'string', enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] }, 'honoured', 'In, NotIn, Exists or DoesNotExist.', true),
    values: f(arr({ type: 'string' }), 'honoured', 'Values for In/NotIn; empty for Exists/DoesNotExist.'),
  })), 'honoured', 'Set-based requirements on Namespace labels.'),
}), fate, note);

const namespaceConditions = (owner: string): Field => f(arr(obj({
  namespaceSelector: labelSelector('honoured', 'Admits Namespaces whose labels match (metav1.LabelSelector); an invalid selector admits none (fail-closed).'),
  namespaces: f(arr({ type: 'string' }), 'honoured', 'Admits these Namespace names exactly.'),
  namespaceRegexes: f(arr({ type: 'string' }), 'honoured', 'Admits Namespace names matching a Go (RE2) regexp anywhere in the name (anchor with ^…$); an invalid regexp admits none.'),
})), 'honoured', `${owner} admits a Namespace when any condition matches (ORed); no conditions admit every Namespace. Evaluated at each pod admission.`);

const secretKeyRef = (what: string): Field => f(obj({
  name: str('honoured', 'Secret name, in the pod\'s namespace.', true),
  namespace: str('conditional', 'Empty or the pod\'s namespace: honoured; another namespace: denied (tenant isolation).'),
  key: str('honoured', 'Key in the Secret.', true),
}), 'honoured', `${what}: the Secret is mounted into the injector containers only (never the app containers).`);

const providerAuth = (section: string): Field => f(obj({
  accessKey: secretKeyRef('AccessKey ID'),
  accessKeySecret: secretKeyRef('AccessKey secret'),
  ramRoleARN: str('honoured', 'Role assumed with the pod\'s own RRSA token (or with the AccessKey pair when no OIDC provider ARN is given and both halves are set, as upstream\'s chain orders it).'),
  ramRoleSessionName: str('honoured', 'STS RoleSessionName (2-64 of [A-Za-z0-9.@_-]); default ack-secret-injector.'),
  oidcProviderARN: str('honoured', 'OIDC provider for AssumeRoleWithOIDC; default from the webhook settings. With a complete AccessKey pair, RRSA wins and a warning says the pair is unused.'),
  oidcTokenFilePath: str('warned', 'The injector always uses the pod\'s own projected ServiceAccount token; a path in a controller\'s filesystem means nothing in a pod.'),
  roleSessionExpiration: str('honoured', 'STS DurationSeconds (seconds or a Go duration, 900s-12h); upstream carries it without applying it.'),
  remoteRamRoleARN: str('honoured', 'Cross-account role assumed on top of the first credential (chained AssumeRole).'),
  remoteRamRoleSessionName: str('honoured', 'Session name of the cross-account hop.'),
  serviceAccountRef: f(obj({
    name: str('conditional', 'Must be the pod\'s own ServiceAccount (honoured); any other is denied: the injector holds only the pod\'s token.', true),
    namespace: str('conditional', 'Empty or the pod\'s namespace; any other is denied.'),
    audiences: f(arr({ type: 'string' }), 'conditional', 'Must include the webhook\'s token audience (settings.tokenAudience) or be empty; otherwise denied.'),
  }), 'conditional', 'Honoured for the pod\'s own ServiceAccount (its role annotation gives the role); denied for any other.'),
}), 'honoured', `${section}: how the injector authenticates for this store.`);

const storeSpecFields = (kind: 'SecretStore' | 'ClusterSecretStore'): Record<string, Field> => ({
  KMS: f(obj({
    KMSAuth: providerAuth('KMS credentials'),
    dedicatedKMSAuth: f(obj({
      protocol: str('denied', 'Part of dedicatedKMSAuth.'),
      endpoint: str('denied', 'Part of dedicatedKMSAuth.'),
      ca: str('denied', 'Part of dedicatedKMSAuth.'),
      ignoreSSL: f({ type: 'boolean' }, 'denied', 'Part of dedicatedKMSAuth.'),
      clientKeyContent: str('denied', 'Part of dedicatedKMSAuth.'),
      password: str('denied', 'Part of dedicatedKMSAuth.'),
    }), 'denied', 'Dedicated KMS ClientKey auth was removed in ack-secret-manager 0.5.12: use RRSA (KMSAuth) with the instance endpoint in data[].kmsEndpoint and its CA in the webhook setting kmsInstanceCAs.'),
  }), 'honoured', `KMS provider of this ${kind} (for ExternalSecrets with provider kms).`),
  OOS: f(obj({ OOSAuth: providerAuth('OOS credentials') }), 'honoured', `OOS provider of this ${kind} (for ExternalSecrets with provider oos).`),
});

const storeStatus = f(obj({
  conditions: f(arr(obj({
    type: str('status', 'Condition type (Ready).'),
    status: str('status', 'True/False/Unknown.'),
    reason: str('status', 'Reason code.'),
    message: str('status', 'Human-readable message.'),
    lastTransitionTime: str('status', 'Time of the last change.'),
    observedGeneration: f({ type: 'integer' }, 'status', 'Generation the condition reflects.'),
  })), 'status', 'Ready condition written by the controller.'),
  capabilities: str('status', 'ReadOnly / WriteOnly / ReadWrite.'),
  clientGeneration: f({ type: 'integer' }, 'status', 'Bumped on every client rebuild.'),
}), 'status', 'Written by ack-secret-manager; the webhook decides from the spec at admission.');

/** A data source: a `data[]` entry, or a `dataProcess[].extract` (where `name` and jmesPath differ). */
const dataSource = (extract: boolean): Shape => obj({
  secretStoreRef: f(obj({
    name: str('honoured', 'Store name: a Kubernetes object name (a DNS-1123 subdomain of at most 253 characters); any other value is denied, naming the limit.', true),
    kind: f({ type: 'string', enum: ['SecretStore', 'ClusterSecretStore'] }, 'honoured', 'SecretStore (default) or ClusterSecretStore (whose conditions must admit the pod\'s namespace).'),
    namespace: str('conditional', 'Deprecated upstream. Empty or the pod\'s namespace: honoured; another namespace: denied (tenant isolation; upstream\'s cross-namespace switch is off by default since 0.6.4).'),
  }), 'honoured', 'Which store\'s credentials fetch this entry; without it the pod\'s own ServiceAccount role is used (or the node\'s worker role with settings.enableWorkerRole).'),
  key: str('honoured', 'KMS secret name or OOS parameter name.', true),
  name: extract
    ? str('warned', 'extract writes every top-level key of the value; upstream ignores extract.name too.')
    : str('honoured', 'File name (Secret key); default: key. A key containing "/" needs a name (a file name cannot contain "/").'),
  versionStage: str('conditional', 'KMS: VersionStage (e.g. ACSCurrent, ACSPrevious). OOS: warned (OOS parameters have no stages).'),
  versionId: str('conditional', 'KMS: VersionId. OOS: ParameterVersion, an integer 1-100 (anything else is denied).'),
  jmesPath: f(arr(obj({
    path: str('honoured', extract ? 'A top-level key of the extracted value equal to this text is renamed to objectAlias (no JMESPath evaluation, as upstream).' : 'JMESPath expression; a path that yields nothing fails the entry (settings.jmesPathRawFallback restores upstream\'s raw-document fallback).', true),
    objectAlias: str('honoured', extract ? 'New name of that key.' : 'File name of the result; default: key.'),
  })), 'honoured', extract ? 'Renames extracted keys.' : 'Picks fields of a JSON/YAML value into their own files.'),
  kmsEndpoint: str('conditional', 'KMS: endpoint of this entry (kms[-vpc].<region>.aliyuncs.com or <instance>.cryptoservice.kms.aliyuncs.com, whose CA must be in settings.kmsInstanceCAs or settings.kmsCaPem, else denied). OOS: warned.'),
});

const externalSecretSpec = (): Shape => obj({
  provider: f({ type: 'string', enum: ['kms', 'oos', ''] }, 'honoured', 'kms (default) or oos.'),
  data: f(arr(dataSource(false)), 'honoured', 'One file per entry (or per jmesPath result).'),
  dataProcess: f(arr(obj({
    extract: f(dataSource(true), 'honoured', 'Every top-level key of the JSON/YAML value becomes a file.'),
    replaceRule: f(arr(obj({
      source: str('honoured', 'Go regexp applied to each extracted key (and, as upstream, literally to each value).', true),
      target: str('honoured', 'Replacement ($1 expands).', true),
    })), 'honoured', 'Renames extracted keys, in order.'),
  })), 'honoured', 'Extract and rename keys.'),
  type: str('warned', 'Files have no Secret type: no Secret object is created.'),
  target: f(obj({
    name: str('warned', 'No Secret is created: the files go to <mount-path>/<ExternalSecret name>/.'),
    template: f(obj({
      data: f({ type: 'map' }, 'templates', 'Inline Go templates (issue 12 / templates).'),
      templateFrom: f(arr(obj({
        configMap: f(obj({ name: str('templates', 'issue 12 / templates'), items: f(arr(obj({ key: str('templates', 'issue 12 / templates'), templateAs: str('templates', 'issue 12 / templates') })), 'templates', 'issue 12 / templates') }), 'templates', 'issue 12 / templates'),
        secret: f(obj({ name: str('templates', 'issue 12 / templates'), items: f(arr(obj({ key: str('templates', 'issue 12 / templates'), templateAs: str('templates', 'issue 12 / templates') })), 'templates', 'issue 12 / templates') }), 'templates', 'issue 12 / templates'),
        target: str('templates', 'issue 12 / templates'),
        literal: str('templates', 'issue 12 / templates'),
      })), 'templates', 'Templates from ConfigMaps, Secrets or literals (issue 12 / templates).'),
      metadata: f(obj({ annotations: f({ type: 'map' }, 'templates', 'issue 12 / templates'), labels: f({ type: 'map' }, 'templates', 'issue 12 / templates') }), 'templates', 'Secret metadata templates (issue 12 / templates).'),
      type: str('templates', 'issue 12 / templates'),
      mergePolicy: str('templates', 'Replace or Merge (issue 12 / templates).'),
    }), 'templates', 'Go text/template + Sprig over the fetched keys (issue 12 / templates).'),
  }), 'honoured', 'Target Secret settings; only template applies to files.'),
  rotationInterval: f({ type: 'duration' }, 'conditional', 'Refresh interval of this ExternalSecret\'s files (at least settings.minRefreshInterval, else denied); the pod annotation refresh-interval, when set, overrides it (warned).'),
});

// ---- the four kinds ------------------------------------------------------------------------

/** Each kind's top-level `spec` and `status`. `metadata` is Kubernetes' own and not listed. */
export const CRD_FIELDS: Readonly<Record<CrdKind, Readonly<Record<string, Field>>>> = {
  ExternalSecret: {
    spec: f(externalSecretSpec(), 'honoured', 'What the pod\'s files hold.', true),
    status: f(obj({
      dataSyncResults: f(arr(obj({
        ExternalSecretKey: str('status', 'Failed entry key.'),
        status: str('status', 'Failed / Succeeded / Warning.'),
        reason: str('status', 'Why.'),
        synchronizationTime: str('status', 'When.'),
      })), 'status', 'Per-key sync results of the controller.'),
    }), 'status', 'Written by ack-secret-manager; a pod\'s refresh results are in the agent\'s logs and metrics instead.'),
  },
  ClusterExternalSecret: {
    spec: f(obj({
      externalSecretSpec: f(externalSecretSpec(), 'honoured', 'The ExternalSecret spec every selected namespace gets; a pod naming externalSecretName uses it (replacing a namespaced ExternalSecret of that name, as upstream\'s server-side apply does).', true),
      externalSecretName: str('honoured', 'The ExternalSecret name pods use in the external-secrets annotation; default: the ClusterExternalSecret\'s own name.'),
      externalSecretMetadata: f(obj({
        annotations: f({ type: 'map' }, 'warned', 'No ExternalSecret object is created per namespace; the pod reads the ClusterExternalSecret directly.'),
        labels: f({ type: 'map' }, 'warned', 'No ExternalSecret object is created per namespace; the pod reads the ClusterExternalSecret directly.'),
      }), 'warned', 'Metadata of the generated ExternalSecrets, which the injector does not create.'),
      namespaceSelectors: f(arr(labelSelector('honoured', 'One selector.')), 'honoured', 'Deprecated upstream; ORed with conditions.'),
      conditions: namespaceConditions('The ClusterExternalSecret'),
      rotationInterval: f({ type: 'duration' }, 'warned', 'How often upstream re-evaluates namespaces; the webhook evaluates them at every pod admission. Use externalSecretSpec.rotationInterval for the refresh interval.'),
    }), 'honoured', 'One ExternalSecret for many namespaces.', true),
    status: f(obj({
      externalSecretName: str('status', 'Generated ExternalSecret name.'),
      failedNamespaces: f(arr(obj({ namespace: str('status', 'Namespace.'), reason: str('status', 'Why.') })), 'status', 'Namespaces that failed.'),
      provisionedNamespaces: f(arr({ type: 'string' }), 'status', 'Namespaces provisioned.'),
      conditions: f(arr(obj({ type: str('status', 'Ready.'), status: str('status', 'True/False.'), lastTransitionTime: str('status', 'When.'), message: str('status', 'Why.') })), 'status', 'Ready condition.'),
    }), 'status', 'Written by ack-secret-manager.'),
  },
  SecretStore: {
    spec: f(obj(storeSpecFields('SecretStore')), 'honoured', 'Credentials for the ExternalSecrets that reference it.', true),
    status: storeStatus,
  },
  ClusterSecretStore: {
    spec: f(obj({ ...storeSpecFields('ClusterSecretStore'), conditions: namespaceConditions('The ClusterSecretStore') }), 'honoured', 'Credentials usable from the namespaces its conditions admit.', true),
    status: storeStatus,
  },
};

/** One row of the flattened inventory: a field path such as `spec.data[].versionId`. */
export interface FieldRow {
  kind: CrdKind;
  path: string;
  type: string;
  fate: Fate;
  note: string;
  required: boolean;
}

function shapeName(s: Shape): string {
  switch (s.type) {
    case 'array': return `[]${shapeName(s.items)}`;
    case 'string': return s.enum === undefined ? 'string' : `string (${s.enum.filter((e) => e !== '').join(' \\| ')})`;
    case 'map': return 'map[string]string';
    default: return s.type;
  }
}

/** Every field of every kind, depth first in declaration order. */
export function flattenFields(): FieldRow[] {
  const rows: FieldRow[] = [];
  const walk = (kind: CrdKind, fields: Readonly<Record<string, Field>>, prefix: string): void => {
    for (const [name, field] of Object.entries(fields)) {
      const path = prefix === '' ? name : `${prefix}.${name}`;
      rows.push({ kind, path, type: shapeName(field), fate: field.fate, note: field.note, required: field.required === true });
      let inner: Shape = field;
      let p = path;
      while (inner.type === 'array') { inner = inner.items; p += '[]'; }
      if (inner.type === 'object') walk(kind, inner.fields, p);
    }
  };
  for (const kind of CRD_KINDS) walk(kind, CRD_FIELDS[kind], '');
  return rows;
}
