import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { generateCertificateAuthority } from '../../certs/certificate-authority.ts';
import { parseWebhookArgs } from '../../webhook/server/server-command.ts';
import { parseSettings } from '../../webhook/settings.ts';
import { NAMESPACE, at, findAll, findOne, renderChart, type Manifest } from './chart-harness.ts';

const FULLNAME = 'asi-ack-secret-injector';
const WEBHOOK_CONFIG = `${FULLNAME}-${NAMESPACE}`;

interface Container {
  name: string;
  args: string[];
  env: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string; scheme: string } };
  readinessProbe: { httpGet: { path: string; port: string; scheme: string } };
  startupProbe: { httpGet: { path: string; port: string; scheme: string } };
  securityContext: Record<string, unknown>;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const container = (deployment: Manifest): Container => at(deployment, 'spec.template.spec.containers.0') as Container;
const volume = (deployment: Manifest, name: string): Record<string, unknown> =>
  (at(deployment, 'spec.template.spec.volumes') as { name: string }[]).find((v) => v.name === name) as Record<string, unknown>;
const webhooks = (m: Manifest): Record<string, unknown>[] => at(m, 'webhooks') as Record<string, unknown>[];
const args = (deployment: Manifest) => {
  const parsed = parseWebhookArgs(container(deployment).args.slice(1), { POD_NAMESPACE: NAMESPACE, POD_NAME: 'pod-0' });
  assert.notEqual(parsed, 'help');
  return parsed as Exclude<typeof parsed, 'help'>;
};

describe('chart render: default values (self-managed certificates)', () => {
  let m: Manifest[];
  before(async () => {
    m = await renderChart();
  });

  it('renders exactly the expected objects', () => {
    const kinds = m.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    assert.deepEqual(kinds, [
      `ClusterRole/${WEBHOOK_CONFIG}`,
      `ClusterRoleBinding/${WEBHOOK_CONFIG}`,
      `ConfigMap/${FULLNAME}-settings`,
      'CustomResourceDefinition/clusterexternalsecrets.alibabacloud.com',
      'CustomResourceDefinition/clustersecretstores.alibabacloud.com',
      'CustomResourceDefinition/externalsecrets.alibabacloud.com',
      'CustomResourceDefinition/secretstores.alibabacloud.com',
      `Deployment/${FULLNAME}`,
      `MutatingWebhookConfiguration/${WEBHOOK_CONFIG}`,
      `PodDisruptionBudget/${FULLNAME}`,
      `Role/${FULLNAME}`,
      `RoleBinding/${FULLNAME}`,
      `Service/${FULLNAME}`,
      `ServiceAccount/${FULLNAME}`,
    ]);
  });

  it('Deployment: 2 replicas spread by preferred anti-affinity on the node host name', () => {
    const d = findOne(m, 'Deployment');
    assert.equal(at(d, 'spec.replicas'), 2);
    const term = at(d, 'spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution.0') as Record<string, unknown>;
    assert.equal(at(term, 'podAffinityTerm.topologyKey'), 'kubernetes.io/hostname');
    assert.deepEqual(at(term, 'podAffinityTerm.labelSelector.matchLabels'), at(d, 'spec.selector.matchLabels'));
  });

  it('Deployment: non-root 65532, seccomp RuntimeDefault, read-only root, no privilege escalation, drop ALL', () => {
    const d = findOne(m, 'Deployment');
    assert.deepEqual(at(d, 'spec.template.spec.securityContext'), {
      runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.deepEqual(container(d).securityContext, {
      allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] },
    });
  });

  it('Deployment: liveness /healthz, readiness /readyz and startup probes over HTTPS on the named port', () => {
    const c = container(findOne(m, 'Deployment'));
    assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthz', port: 'https', scheme: 'HTTPS' });
    assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'https', scheme: 'HTTPS' });
    assert.deepEqual(c.startupProbe.httpGet, { path: '/healthz', port: 'https', scheme: 'HTTPS' });
    assert.deepEqual(c.ports, [{ name: 'https', containerPort: 8443, protocol: 'TCP' }]);
  });

  it('Deployment: resources, POD_NAMESPACE/POD_NAME from the downward API, and the never-inject-me label', () => {
    const d = findOne(m, 'Deployment');
    const c = container(d);
    assert.deepEqual(c.resources, { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    assert.deepEqual(c.env.map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]), [['POD_NAMESPACE', 'metadata.namespace'], ['POD_NAME', 'metadata.name'], ['NODE_OPTIONS', undefined]]);
    assert.equal((c.env.find((e) => e.name === 'NODE_OPTIONS') as { value?: string } | undefined)?.value, '--max-semi-space-size=8', 'the semi-space cap the webhook benchmark measures (bench/webhook-load.ts)');
    assert.equal((at(d, 'spec.template.metadata.labels') as Record<string, string>)['secret-injector.alibabacloud.com/inject'], 'false');
    assert.match((at(d, 'spec.template.metadata.annotations') as Record<string, string>)['checksum/settings'] ?? '', /^[0-9a-f]{64}$/);
  });

  it('Deployment: an empty webhook.nodeOptions sets no NODE_OPTIONS (Node\'s defaults)', async () => {
    const c = container(findOne(await renderChart(['--set', 'webhook.nodeOptions=']), 'Deployment'));
    assert.deepEqual(c.env.map((e) => e.name), ['POD_NAMESPACE', 'POD_NAME']);
  });

  it('Deployment: args are accepted by the webhook command and name the objects the chart creates', () => {
    const d = findOne(m, 'Deployment');
    const c = container(d);
    assert.deepEqual(c.args.slice(0, 3), ['webhook', '--settings', '/etc/ack-secret-injector/settings.yaml']);
    const o = args(d);
    assert.equal(o.certificates, 'self-managed');
    assert.equal(o.port, 8443);
    assert.equal(o.secretName, `${FULLNAME}-tls`);
    assert.equal(o.webhookConfigName, findOne(m, 'MutatingWebhookConfiguration').metadata.name);
    assert.equal(o.serviceName, findOne(m, 'Service').metadata.name);
    assert.equal(o.leaseName, `${FULLNAME}-certs`);
    assert.equal(o.namespace, NAMESPACE);
  });

  it('Deployment: settings ConfigMap mounted as the --settings file, writable memory tmpfs at --tls-dir', () => {
    const d = findOne(m, 'Deployment');
    const c = container(d);
    const o = args(d);
    const settingsMount = c.volumeMounts.find((v) => v.name === 'settings');
    assert.equal(`${settingsMount?.mountPath}/settings.yaml`, o.settingsPath);
    assert.equal(settingsMount?.readOnly, true);
    assert.deepEqual(volume(d, 'settings')['configMap'], { name: `${FULLNAME}-settings`, items: [{ key: 'settings.yaml', path: 'settings.yaml' }] });
    const tlsMount = c.volumeMounts.find((v) => v.name === 'tls');
    assert.equal(tlsMount?.mountPath, o.tlsDir);
    assert.equal(tlsMount?.readOnly, false);
    assert.deepEqual(volume(d, 'tls')['emptyDir'], { medium: 'Memory', sizeLimit: '1Mi' });
  });

  it('settings ConfigMap: accepted by webhook/settings.ts parseSettings, with the webhook image injected by default', () => {
    const cm = findOne(m, 'ConfigMap');
    const doc: unknown = parseYaml((at(cm, 'data') as Record<string, string>)['settings.yaml'] ?? '');
    const s = parseSettings(doc);
    assert.equal(s.region, 'cn-hangzhou');
    assert.equal(s.oidcProviderArn, 'acs:ram::1234567890123456:oidc-provider/ack-rrsa-c0123456789abcdef');
    assert.equal(s.image, at(container(findOne(m, 'Deployment')), 'image'));
    assert.equal(s.image, 'ack-secret-injector:0.1.0');
    assert.equal(s.defaultRefreshIntervalSeconds, 120);
    assert.equal(s.tokenAudience, 'sts.aliyuncs.com');
    assert.equal(s.tokenExpirationSeconds, 3600);
    assert.equal(s.nativeSidecar, 'auto');
    assert.equal(s.fileMode, 0o444);
    assert.equal(s.agentNamedMetrics, false, 'the agent names no cloud secret on the pod IP unless asked');
    assert.deepEqual(s.resources, { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '96Mi' } });
    assert.deepEqual([s.enableWorkerRole, s.cleanupAfterFailures, s.jmesPathRawFallback, s.kmsInstanceCAs], [false, 0, false, {}], 'issue 17 opt-ins off by default');
  });

  it('settings ConfigMap: the issue 17 opt-ins reach the webhook settings', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const r = await renderChart(['--set', 'settings.enableWorkerRole=true', '--set', 'settings.cleanupAfterFailures=3', '--set', 'settings.jmesPathRawFallback=true', '--set-string', `settings.kmsInstanceCAs.cn-hangzhou=${pem}`]);
    const s = parseSettings(parseYaml((at(findOne(r, 'ConfigMap'), 'data') as Record<string, string>)['settings.yaml'] ?? '') as unknown);
    assert.deepEqual([s.enableWorkerRole, s.cleanupAfterFailures, s.jmesPathRawFallback, s.kmsInstanceCAs], [true, 3, true, { 'cn-hangzhou': pem }]);
  });

  it('PodDisruptionBudget: minAvailable 1 over the Deployment pods', () => {
    const pdb = findOne(m, 'PodDisruptionBudget');
    assert.equal(at(pdb, 'spec.minAvailable'), 1);
    assert.deepEqual(at(pdb, 'spec.selector.matchLabels'), at(findOne(m, 'Deployment'), 'spec.selector.matchLabels'));
  });

  it('Service: 443 to the https port, selecting the webhook pods', () => {
    const svc = findOne(m, 'Service');
    assert.deepEqual(at(svc, 'spec.ports'), [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }]);
    const podLabels = at(findOne(m, 'Deployment'), 'spec.template.metadata.labels') as Record<string, string>;
    for (const [k, v] of Object.entries(at(svc, 'spec.selector') as Record<string, string>)) assert.equal(podLabels[k], v);
  });

  it('ClusterRole: read-only on the resolved kinds, get/patch only on its own MutatingWebhookConfiguration', () => {
    const rules = at(findOne(m, 'ClusterRole'), 'rules') as Rule[];
    assert.deepEqual(rules, [
      { apiGroups: [''], resources: ['namespaces', 'serviceaccounts'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['alibabacloud.com'], resources: ['externalsecrets', 'secretstores', 'clustersecretstores', 'clusterexternalsecrets'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], resourceNames: [WEBHOOK_CONFIG], verbs: ['get', 'patch'] },
    ]);
    const writeVerbs = rules.filter((r) => r.resourceNames === undefined).flatMap((r) => r.verbs).filter((v) => !['get', 'list', 'watch'].includes(v));
    assert.deepEqual(writeVerbs, [], 'no unrestricted write verb cluster-wide');
  });

  it('Role: get/update on its Secret and Lease by name, create (unrestrictable) in its namespace only', () => {
    const role = findOne(m, 'Role');
    assert.equal(role.metadata.namespace, NAMESPACE);
    const o = args(findOne(m, 'Deployment'));
    assert.deepEqual(at(role, 'rules'), [
      { apiGroups: [''], resources: ['secrets'], resourceNames: [o.secretName], verbs: ['get', 'update'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [o.leaseName], verbs: ['get', 'update'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    ]);
  });

  it('bindings grant the roles to the webhook ServiceAccount', () => {
    const sa = findOne(m, 'ServiceAccount');
    assert.equal(at(findOne(m, 'Deployment'), 'spec.template.spec.serviceAccountName'), sa.metadata.name);
    for (const [binding, role] of [['ClusterRoleBinding', 'ClusterRole'], ['RoleBinding', 'Role']] as const) {
      const b = findOne(m, binding);
      assert.deepEqual(at(b, 'roleRef'), { apiGroup: 'rbac.authorization.k8s.io', kind: role, name: findOne(m, role).metadata.name });
      assert.deepEqual(at(b, 'subjects'), [{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: NAMESPACE }]);
    }
  });

  it('MutatingWebhookConfiguration: pod CREATE only, opted-in pods only, safe defaults, the Service at /mutate', () => {
    const mwc = findOne(m, 'MutatingWebhookConfiguration');
    const [w, ...rest] = webhooks(mwc);
    assert.equal(rest.length, 0);
    assert.deepEqual(at(w, 'rules'), [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' }]);
    assert.deepEqual(at(w, 'objectSelector'), {
      matchExpressions: [
        { key: 'secret-injector.alibabacloud.com/inject', operator: 'In', values: ['true'] },
        { key: 'app.kubernetes.io/name', operator: 'NotIn', values: ['ack-secret-injector'] },
      ],
    });
    assert.deepEqual(at(w, 'namespaceSelector'), { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', NAMESPACE] }] });
    assert.equal(at(w, 'sideEffects'), 'None');
    assert.equal(at(w, 'failurePolicy'), 'Fail');
    assert.equal(at(w, 'timeoutSeconds'), 5);
    assert.equal(at(w, 'reinvocationPolicy'), 'IfNeeded');
    assert.deepEqual(at(w, 'admissionReviewVersions'), ['v1']);
    assert.deepEqual(at(w, 'clientConfig'), { service: { name: FULLNAME, namespace: NAMESPACE, path: '/mutate', port: 443 } });
    assert.equal(mwc.metadata.annotations, undefined, 'self-managed: no cert-manager injection, caBundle patched at run time');
  });

  it('the webhook pods themselves never match the objectSelector', () => {
    const labels = at(findOne(m, 'Deployment'), 'spec.template.metadata.labels') as Record<string, string>;
    const [w] = webhooks(findOne(m, 'MutatingWebhookConfiguration'));
    const expressions = at(w, 'objectSelector.matchExpressions') as { key: string; operator: string; values: string[] }[];
    const matches = expressions.every((e) => (e.operator === 'In' ? e.values.includes(labels[e.key] ?? '\0') : !e.values.includes(labels[e.key] ?? '\0')));
    assert.equal(matches, false);
  });
});

describe('chart render: certificate modes', () => {
  it('self-managed SANs: certificates.selfManaged.extraDnsNames and ipAddresses become flags the webhook accepts', async () => {
    const m = await renderChart(['--set', 'certificates.selfManaged.extraDnsNames={hook.example.com,*.hooks.example.com}', '--set', 'certificates.selfManaged.ipAddresses={10.0.0.7,fd00::7}']);
    const d = findOne(m, 'Deployment');
    const a = container(d).args;
    assert.deepEqual(a.slice(a.indexOf('--extra-dns-names'), a.indexOf('--extra-dns-names') + 2), ['--extra-dns-names', 'hook.example.com,*.hooks.example.com']);
    assert.deepEqual(a.slice(a.indexOf('--ip-addresses'), a.indexOf('--ip-addresses') + 2), ['--ip-addresses', '10.0.0.7,fd00::7']);
    const o = args(d);
    assert.deepEqual(o.extraDnsNames, ['hook.example.com', '*.hooks.example.com']);
    assert.deepEqual(o.ipAddresses, ['10.0.0.7', 'fd00::7']);
  });

  it('self-managed without SAN values passes neither flag', async () => {
    const d = findOne(await renderChart(), 'Deployment');
    assert.equal(container(d).args.some((x) => x === '--extra-dns-names' || x === '--ip-addresses'), false);
    assert.deepEqual([args(d).extraDnsNames, args(d).ipAddresses], [[], []]);
  });

  it('other certificate modes ignore the self-managed SAN values (the webhook would refuse the flags)', async () => {
    const m = await renderChart(['--set', 'certificates.mode=cert-manager', '--set', 'certificates.selfManaged.extraDnsNames={hook.example.com}', '--set', 'certificates.selfManaged.ipAddresses={10.0.0.7}']);
    const d = findOne(m, 'Deployment');
    assert.equal(container(d).args.some((x) => x === '--extra-dns-names' || x === '--ip-addresses'), false);
    assert.equal(args(d).certificates, 'files');
  });

  it('cert-manager: self-signed CA chain, serving Certificate for the Service names, CA injection annotation, mounted Secret', async () => {
    const m = await renderChart(['--set', 'certificates.mode=cert-manager']);
    assert.deepEqual(findAll(m, 'Issuer').map((i) => [i.metadata.name, Object.keys(at(i, 'spec') as object)[0]]), [[`${FULLNAME}-selfsigned`, 'selfSigned'], [`${FULLNAME}-ca`, 'ca']]);
    const ca = findOne(m, 'Certificate', `${FULLNAME}-ca`);
    assert.equal(at(ca, 'spec.isCA'), true);
    assert.equal(at(ca, 'spec.issuerRef.name'), `${FULLNAME}-selfsigned`);
    const serving = findOne(m, 'Certificate', `${FULLNAME}-serving`);
    assert.deepEqual(at(serving, 'spec.dnsNames'), [
      `${FULLNAME}.${NAMESPACE}.svc`, `${FULLNAME}.${NAMESPACE}`, FULLNAME, `${FULLNAME}.${NAMESPACE}.svc.cluster.local`,
    ]);
    assert.equal(at(serving, 'spec.issuerRef.name'), `${FULLNAME}-ca`);
    const mwc = findOne(m, 'MutatingWebhookConfiguration');
    assert.equal(mwc.metadata.annotations?.['cert-manager.io/inject-ca-from'], `${NAMESPACE}/${FULLNAME}-serving`);
    assert.equal(at(webhooks(mwc)[0], 'clientConfig.caBundle'), undefined);
    const d = findOne(m, 'Deployment');
    assert.equal(args(d).certificates, 'files');
    assert.equal(at(volume(d, 'tls'), 'secret.secretName'), at(serving, 'spec.secretName'));
    assert.equal(container(d).volumeMounts.find((v) => v.name === 'tls')?.readOnly, true);
    assert.equal(findAll(m, 'Role').length, 0, 'no Secret/Lease write access needed');
    assert.equal((at(findOne(m, 'ClusterRole'), 'rules') as Rule[]).some((r) => r.resources.includes('mutatingwebhookconfigurations')), false);
  });

  it('cert-manager with an issuerRef: only the serving Certificate, signed by that issuer', async () => {
    const m = await renderChart(['--set', 'certificates.mode=cert-manager', '--set', 'certificates.certManager.issuerRef.name=corp-ca', '--set', 'certificates.certManager.issuerRef.kind=ClusterIssuer']);
    assert.equal(findAll(m, 'Issuer').length, 0);
    const serving = findOne(m, 'Certificate');
    assert.deepEqual(at(serving, 'spec.issuerRef'), { name: 'corp-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' });
  });

  it('existing-secret: the named Secret is mounted and caBundle comes from values', async () => {
    const ca = await generateCertificateAuthority({ commonName: 'corp', now: new Date() });
    const m = await renderChart(['--set', 'certificates.mode=existing-secret', '--set', 'certificates.secretName=my-tls', '--set-string', `certificates.existingSecret.caBundle=${ca.certPem}`]);
    const d = findOne(m, 'Deployment');
    assert.deepEqual(at(volume(d, 'tls'), 'secret'), { secretName: 'my-tls', defaultMode: 0o440, items: [{ key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }] });
    assert.equal(args(d).certificates, 'files');
    const w = webhooks(findOne(m, 'MutatingWebhookConfiguration'))[0];
    assert.equal(Buffer.from(String(at(w, 'clientConfig.caBundle')), 'base64').toString('utf8'), ca.certPem);
    assert.equal(findAll(m, 'Certificate').length, 0);
    assert.equal(findAll(m, 'Role').length, 0);
  });
});

describe('chart render: url mode, CRDs, overrides', () => {
  it('url mode: clientConfig.url with the caBundle from values, no service reference', async () => {
    const ca = await generateCertificateAuthority({ commonName: 'e2e', now: new Date() });
    const m = await renderChart(['--set', 'webhook.url=https://127.0.0.1:18443/mutate', '--set-string', `webhook.caBundle=${ca.certPem}`]);
    const client = at(webhooks(findOne(m, 'MutatingWebhookConfiguration'))[0], 'clientConfig') as Record<string, unknown>;
    assert.equal(client['url'], 'https://127.0.0.1:18443/mutate');
    assert.equal(client['service'], undefined);
    assert.equal(Buffer.from(String(client['caBundle']), 'base64').toString('utf8'), ca.certPem);
  });

  it('url mode with self-managed certificates: no caBundle is required, the certificate writer fills it at run time', async () => {
    const m = await renderChart(['--set', 'webhook.url=https://127.0.0.1:18443/mutate', '--set', 'certificates.selfManaged.ipAddresses={127.0.0.1}']);
    const client = at(webhooks(findOne(m, 'MutatingWebhookConfiguration'))[0], 'clientConfig') as Record<string, unknown>;
    assert.equal(client['url'], 'https://127.0.0.1:18443/mutate');
    assert.equal(client['caBundle'], undefined);
  });

  it('url mode with cert-manager: no CA injection annotation that would overwrite the given caBundle', async () => {
    const ca = await generateCertificateAuthority({ commonName: 'e2e', now: new Date() });
    const m = await renderChart(['--set', 'certificates.mode=cert-manager', '--set', 'webhook.url=https://hook.example.com/mutate', '--set-string', `webhook.caBundle=${ca.certPem}`]);
    assert.equal(findOne(m, 'MutatingWebhookConfiguration').metadata.annotations, undefined);
  });

  it('CRDs on: the four ack-secret-manager kinds, group alibabacloud.com v1alpha1, kept on uninstall', async () => {
    const crds = findAll(await renderChart(), 'CustomResourceDefinition');
    assert.deepEqual(crds.map((c) => [at(c, 'spec.names.kind'), at(c, 'spec.group'), at(c, 'spec.scope'), at(c, 'spec.versions.0.name')]), [
      ['ExternalSecret', 'alibabacloud.com', 'Namespaced', 'v1alpha1'],
      ['SecretStore', 'alibabacloud.com', 'Namespaced', 'v1alpha1'],
      ['ClusterSecretStore', 'alibabacloud.com', 'Cluster', 'v1alpha1'],
      ['ClusterExternalSecret', 'alibabacloud.com', 'Cluster', 'v1alpha1'],
    ]);
    for (const c of crds) assert.equal(c.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
  });

  it('CRD schemas use the upstream JSON names: capitalised KMS/OOS, KMSAuth, remoteRamRoleARN, jmesPath', async () => {
    const crds = findAll(await renderChart(), 'CustomResourceDefinition');
    const schema = (kind: string) => at(crds.find((c) => at(c, 'spec.names.kind') === kind), 'spec.versions.0.schema.openAPIV3Schema.properties.spec.properties') as Record<string, unknown>;
    const store = schema('SecretStore');
    assert.deepEqual(Object.keys(store).sort(), ['KMS', 'OOS']);
    const auth = at(store, 'KMS.properties.KMSAuth.properties') as Record<string, unknown>;
    for (const key of ['ramRoleARN', 'oidcProviderARN', 'remoteRamRoleARN', 'remoteRamRoleSessionName', 'serviceAccountRef', 'accessKey', 'accessKeySecret']) assert.ok(key in auth, key);
    assert.ok(!('remoteRamRoleArn' in auth));
    assert.ok(at(store, 'OOS.properties.OOSAuth.properties.remoteRamRoleARN'));
    assert.deepEqual(Object.keys(schema('ClusterSecretStore')).sort(), ['KMS', 'OOS', 'conditions']);
    const es = schema('ExternalSecret');
    assert.deepEqual(at(es, 'data.items.required'), ['key']);
    assert.deepEqual(at(es, 'data.items.properties.jmesPath.items.required'), ['path', 'objectAlias']);
    assert.deepEqual(at(es, 'data.items.properties.secretStoreRef.properties.kind.enum'), ['SecretStore', 'ClusterSecretStore']);
    assert.ok(at(es, 'dataProcess.items.properties.replaceRule'));
    const ces = schema('ClusterExternalSecret');
    assert.deepEqual(Object.keys(ces).sort(), ['conditions', 'externalSecretMetadata', 'externalSecretName', 'externalSecretSpec', 'namespaceSelectors', 'rotationInterval']);
    assert.deepEqual(at(ces, 'externalSecretSpec'), at(crds.find((c) => at(c, 'spec.names.kind') === 'ExternalSecret'), 'spec.versions.0.schema.openAPIV3Schema.properties.spec'), 'the same ExternalSecret spec schema');
    assert.deepEqual(at(ces, 'conditions'), schema('ClusterSecretStore').conditions, 'the same namespace conditions');
  });

  it('CRDs off: none rendered', async () => {
    assert.equal(findAll(await renderChart(['--set', 'crds.install=false']), 'CustomResourceDefinition').length, 0);
  });

  it('extra excluded namespaces join kube-system and the release namespace, without duplicates', async () => {
    const m = await renderChart(['--set', 'webhook.excludeNamespaces={kube-system,monitoring,secret-injector}']);
    assert.deepEqual(at(webhooks(findOne(m, 'MutatingWebhookConfiguration'))[0], 'namespaceSelector.matchExpressions.0.values'), ['kube-system', 'monitoring', NAMESPACE]);
  });

  it('settings overrides reach the ConfigMap and still parse', async () => {
    const m = await renderChart(['--set', 'settings.oidcProviderArn=acs:ram::42:oidc-provider/custom', '--set', 'settings.kmsEndpoint=kms.cn-hangzhou.aliyuncs.com', '--set', 'settings.nativeSidecar=never', '--set', 'settings.image=registry.example.com/injector:v1', '--set', 'settings.agentNamedMetrics=true']);
    const s = parseSettings(parseYaml((at(findOne(m, 'ConfigMap'), 'data') as Record<string, string>)['settings.yaml'] ?? ''));
    assert.equal(s.oidcProviderArn, 'acs:ram::42:oidc-provider/custom');
    assert.equal(s.kmsEndpoint, 'kms.cn-hangzhou.aliyuncs.com');
    assert.equal(s.nativeSidecar, 'never');
    assert.equal(s.image, 'registry.example.com/injector:v1');
    assert.equal(s.agentNamedMetrics, true);
  });

  it('an image digest wins over the tag for the webhook and the injected image', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const m = await renderChart(['--set', `image.digest=${digest}`, '--set', 'image.repository=registry.example.com/asi']);
    assert.equal(at(container(findOne(m, 'Deployment')), 'image'), `registry.example.com/asi@${digest}`);
    assert.equal(parseSettings(parseYaml((at(findOne(m, 'ConfigMap'), 'data') as Record<string, string>)['settings.yaml'] ?? '')).image, `registry.example.com/asi@${digest}`);
  });

  it('a user affinity replaces the default anti-affinity; PDB and RBAC can be switched off', async () => {
    const m = await renderChart(['--set', 'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key=pool', '--set', 'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator=Exists', '--set', 'podDisruptionBudget.enabled=false', '--set', 'rbac.create=false']);
    const affinity = at(findOne(m, 'Deployment'), 'spec.template.spec.affinity') as Record<string, unknown>;
    assert.deepEqual(Object.keys(affinity), ['nodeAffinity']);
    assert.equal(findAll(m, 'PodDisruptionBudget').length, 0);
    assert.equal(findAll(m, 'ClusterRole').length + findAll(m, 'Role').length, 0);
  });

  // Issue 13: an optional NetworkPolicy for the webhook port (docs/security.md).
  it('the NetworkPolicy is off by default; on, it admits only the webhook port from the listed peers', async () => {
    assert.equal(findAll(await renderChart(), 'NetworkPolicy').length, 0);
    const m = await renderChart(['--set', 'networkPolicy.enabled=true', '--set', 'networkPolicy.from[0].ipBlock.cidr=10.0.0.0/24', '--set', 'networkPolicy.from[1].namespaceSelector.matchLabels.name=monitoring']);
    const np = findOne(m, 'NetworkPolicy');
    assert.deepEqual(at(np, 'spec.podSelector.matchLabels'), at(findOne(m, 'Deployment'), 'spec.selector.matchLabels'));
    assert.deepEqual(at(np, 'spec.policyTypes'), ['Ingress']);
    assert.deepEqual(at(np, 'spec.ingress'), [{ ports: [{ protocol: 'TCP', port: 8443 }], from: [{ ipBlock: { cidr: '10.0.0.0/24' } }, { namespaceSelector: { matchLabels: { name: 'monitoring' } } }] }]);
    const open = findOne(await renderChart(['--set', 'networkPolicy.enabled=true', '--set', 'webhook.port=9443']), 'NetworkPolicy');
    assert.deepEqual(at(open, 'spec.ingress'), [{ ports: [{ protocol: 'TCP', port: 9443 }] }], 'no peers: any source, but only the webhook port');
  });
});
