/**
 * The test control plane itself: a real etcd + kube-apiserver that admits, validates and stores
 * objects, mints RS256 ServiceAccount tokens through TokenRequest, runs admission for server-side
 * dry-runs, and stops cleanly. The rest of the e2e suite builds on these guarantees.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import https from 'node:https';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { ApiException, CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { decodeProtectedHeader, importSPKI, jwtVerify, type JWTPayload } from 'jose';
import { startControlPlane, type ControlPlane } from './control-plane.ts';
import { BUILD_TOOLS_SCRIPT, TOOL_VERSIONS, buildToolsEnv, toolPath, type ToolName } from './tools.ts';

const execFileAsync = promisify(execFile);

/** The audience RRSA tokens carry: STS AssumeRoleWithOIDC only accepts this one on Alibaba Cloud. */
const STS_AUDIENCE = 'sts.aliyuncs.com';

/** Status and parsed Status body of a failed API call (client-node 2.x carries the body as text). */
function apiFailure(err: unknown): { code: number; message: string } {
  assert.ok(err instanceof ApiException, `expected an ApiException, got ${String(err)}`);
  const body: unknown = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
  const message = typeof body === 'object' && body !== null && 'message' in body ? String(body.message) : '';
  return { code: err.code, message };
}

/** Resolves true when `port` can be bound on 127.0.0.1 (nothing listens on it any more). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function podFor(serviceAccountName: string): V1Pod {
  return {
    metadata: { name: 'dry-run-app' },
    spec: { serviceAccountName, containers: [{ name: 'app', image: 'registry.example/app:1.0' }] },
  };
}

describe('build-tools.sh and tools.ts', () => {
  test('build-tools.sh paths prints exactly the paths toolPath computes, in helm/etcd/kube-apiserver/kubelet/containerd order', async () => {
    const { stdout } = await execFileAsync('bash', [BUILD_TOOLS_SCRIPT, 'paths'], { env: buildToolsEnv() });
    const names: ToolName[] = ['helm', 'etcd', 'kube-apiserver', 'kubelet', 'containerd'];
    assert.deepEqual(stdout.trim().split('\n'), names.map((n) => toolPath(n)));
  });

  test('build-tools.sh rejects an unknown tool name and lists the accepted ones', async () => {
    await assert.rejects(execFileAsync('bash', [BUILD_TOOLS_SCRIPT, 'kubectl'], { env: buildToolsEnv() }), (err: Error & { stderr?: string }) => {
      assert.match(err.stderr ?? '', /unknown argument 'kubectl'; accepted: helm etcd kube-apiserver kubelet containerd, all, paths/);
      return true;
    });
  });

  test('toolPath puts each tool in a <name>-<version> folder under ACK_SI_TOOLS_DIR', () => {
    const env = { ACK_SI_TOOLS_DIR: '/cache/tools' };
    assert.equal(toolPath('kube-apiserver', env), `/cache/tools/kube-apiserver-${TOOL_VERSIONS['kube-apiserver']}/kube-apiserver`);
    assert.equal(toolPath('helm', env), `/cache/tools/helm-${TOOL_VERSIONS.helm}/helm`);
  });
});

describe('startControlPlane failure', () => {
  test('a missing etcd binary fails fast with the binary named and leaves no process behind', async () => {
    await assert.rejects(
      startControlPlane({ binaries: { etcd: '/nonexistent/etcd', kubeApiServer: '/nonexistent/kube-apiserver' }, startTimeoutMs: 10_000 }),
      /etcd could not be started: spawn \/nonexistent\/etcd ENOENT/,
    );
  });
});

describe('control plane', () => {
  let cp: ControlPlane;
  let core: CoreV1Api;
  const ns = 'cp-test';

  before(async () => {
    cp = await startControlPlane();
    // The suite's contract: print the version actually started (issue 6).
    console.log(`kube-apiserver ${cp.version}`);
    core = cp.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'app' } } });
  });

  after(async () => {
    await cp?.stop();
  });

  test('reports the kube-apiserver version built by build-tools.sh through /version', () => {
    assert.equal(cp.version, TOOL_VERSIONS['kube-apiserver']);
    assert.match(cp.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  });

  test('the admin kubeconfig file authenticates as system:masters and sees the apiserver-created namespaces', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    const list = await kc.makeApiClient(CoreV1Api).listNamespace();
    const names = list.items.map((n) => n.metadata?.name);
    for (const expected of ['default', 'kube-system', 'kube-public', 'kube-node-lease', ns]) {
      assert.ok(names.includes(expected), `namespace ${expected} missing from ${names.join(', ')}`);
    }
  });

  test('no default ServiceAccount appears in a new namespace (no kube-controller-manager)', async () => {
    await assert.rejects(core.readNamespacedServiceAccount({ namespace: ns, name: 'default' }), (err) => {
      assert.equal(apiFailure(err).code, 404);
      return true;
    });
  });

  describe('TokenRequest with audience sts.aliyuncs.com', () => {
    let token: string;
    let payload: JWTPayload;

    before(async () => {
      const tr = await core.createNamespacedServiceAccountToken({
        namespace: ns,
        name: 'app',
        body: { spec: { audiences: [STS_AUDIENCE], expirationSeconds: 3600 } },
      });
      token = tr.status?.token ?? '';
      assert.ok(token.length > 0, 'TokenRequest returned no token');
      // Verifies the RS256 signature with the key the harness generated, so the STS emulator can too.
      const key = await importSPKI(cp.serviceAccountPublicKeyPem, 'RS256');
      payload = (await jwtVerify(token, key, { algorithms: ['RS256'] })).payload;
    });

    const claims: { name: string; check: () => void }[] = [
      { name: 'is signed RS256', check: () => assert.equal(decodeProtectedHeader(token).alg, 'RS256') },
      { name: 'iss is the configured issuer', check: () => assert.equal(payload.iss, cp.serviceAccountIssuer) },
      { name: 'aud is exactly [sts.aliyuncs.com]', check: () => assert.deepEqual(payload.aud, [STS_AUDIENCE]) },
      { name: 'sub is system:serviceaccount:<ns>:<sa>', check: () => assert.equal(payload.sub, `system:serviceaccount:${ns}:app`) },
      {
        name: 'lifetime is the requested 3600 s',
        check: () => assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 3600),
      },
    ];
    for (const c of claims) test(`token ${c.name}`, c.check);

    test('the apiserver publishes the signing key in its OIDC JWKS under the token kid', async () => {
      const res = await fetchJson(cp, '/openid/v1/jwks');
      const kid = decodeProtectedHeader(token).kid;
      const keys = (res as { keys: { kid: string; alg: string }[] }).keys;
      assert.ok(keys.some((k) => k.kid === kid && k.alg === 'RS256'), `kid ${kid} not in ${JSON.stringify(keys)}`);
    });
  });

  describe('server-side dry-run pod create', () => {
    test('is admitted with ServiceAccount admission applied and is not stored', async () => {
      const pod = await core.createNamespacedPod({ namespace: ns, body: podFor('app'), dryRun: 'All' });
      assert.equal(pod.spec?.serviceAccountName, 'app');
      assert.ok(
        pod.spec?.volumes?.some((v) => v.name.startsWith('kube-api-access-')),
        'ServiceAccount admission did not add the kube-api-access volume',
      );
      await assert.rejects(core.readNamespacedPod({ namespace: ns, name: 'dry-run-app' }), (err) => {
        assert.equal(apiFailure(err).code, 404);
        return true;
      });
    });

    test('is rejected when the pod ServiceAccount does not exist (ServiceAccount admission)', async () => {
      await assert.rejects(core.createNamespacedPod({ namespace: ns, body: podFor('missing'), dryRun: 'All' }), (err) => {
        const failure = apiFailure(err);
        assert.equal(failure.code, 403);
        assert.match(failure.message, /service account cp-test\/missing/);
        return true;
      });
    });

    test('is rejected with 422 when the pod is invalid (real validation)', async () => {
      const invalid: V1Pod = { metadata: { name: 'Bad_Name' }, spec: { serviceAccountName: 'app', containers: [] } };
      await assert.rejects(core.createNamespacedPod({ namespace: ns, body: invalid, dryRun: 'All' }), (err) => {
        assert.equal(apiFailure(err).code, 422);
        return true;
      });
    });
  });
});

describe('stop()', () => {
  test('kills etcd and kube-apiserver, frees their ports, removes the temp dir, and is idempotent', async () => {
    const cp = await startControlPlane();
    const ports = [new URL(cp.url).port, new URL(cp.etcdUrl).port].map(Number);
    for (const port of ports) assert.equal(await portIsFree(port), false, `port ${port} should be in use while running`);
    await cp.stop();
    await cp.stop();
    for (const port of ports) assert.equal(await portIsFree(port), true, `port ${port} still in use after stop()`);
    assert.equal(existsSync(cp.dir), false, `${cp.dir} was not removed`);
  });
});

/** GET a JSON document from the apiserver as the admin user. */
async function fetchJson(cp: ControlPlane, path: string): Promise<unknown> {
  const user = cp.kubeConfig.getCurrentUser();
  const cert = Buffer.from(user?.certData ?? '', 'base64').toString();
  const key = Buffer.from(user?.keyData ?? '', 'base64').toString();
  return new Promise((resolve, reject) => {
    https
      .get(`${cp.url}${path}`, { ca: cp.caPem, cert, key }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`GET ${path}: ${res.statusCode} ${body}`));
          else resolve(JSON.parse(body));
        });
      })
      .on('error', reject);
  });
}
