/**
 * The bundle's stand-ins for two SDK packages (scripts/sdk-slim-plugin.mjs): they must provide
 * every name the real SDK sources use from them, and the XML error reader must give the same
 * map as the xml2js parser it replaces for Alibaba Cloud's XML error document.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import * as darabonbaCore from '../../injector/cloud/sdk-darabonba-core.ts';
import TeaXmlErrorBody from '../../injector/cloud/sdk-xml-error-body.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(ROOT, 'package.json'));

/** Every .js file under `dir` (node_modules trees included). */
async function jsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.js')) out.push(join(e.parentPath, e.name));
  }
  return out;
}

/** The property names read from the variables bound to `require("<pkg>")` in `source`. */
function namesUsedFrom(source: string, pkg: string): Set<string> {
  const names = new Set<string>();
  const vars = [...source.matchAll(new RegExp(`(?:const|var|let)\\s+([\\w$]+)\\s*=\\s*(?:__import\\w+\\()?require\\("${pkg.replace(/[/.]/g, '\\$&')}"\\)`, 'g'))].map((m) => m[1]!);
  for (const v of vars) {
    for (const m of source.matchAll(new RegExp(`${v.replace(/\$/g, '\\$')}(?:\\.default)?\\.([A-Za-z_]\\w*)`, 'g'))) names.add(m[1]!);
  }
  return names;
}

describe('the SDK stand-ins cover what the SDK uses', () => {
  it('every name an @alicloud package reads from @darabonba/typescript is exported, and is the real implementation', async () => {
    const real = require('@darabonba/typescript/dist/core.js') as Record<string, unknown>;
    const used = new Set<string>();
    for (const file of await jsFiles(join(ROOT, 'node_modules', '@alicloud'))) {
      const source = await readFile(file, 'utf8');
      if (source.includes('require("@darabonba/typescript")')) for (const n of namesUsedFrom(source, '@darabonba/typescript')) used.add(n);
    }
    assert.ok(used.has('toMap'), `found the tea-util usages: ${[...used].join(', ')}`);
    const provided = darabonbaCore as Record<string, unknown>;
    for (const name of used) {
      assert.notEqual(provided[name], undefined, `@darabonba/typescript.${name} is used by the SDK but not provided`);
      assert.equal(provided[name], real[name], `${name} is the package's own implementation`);
    }
  });

  it('every @alicloud/tea-xml method openapi-client calls is provided', async () => {
    const source = await readFile(require.resolve('@alicloud/openapi-client'), 'utf8');
    const used = namesUsedFrom(source, '@alicloud/tea-xml');
    assert.deepEqual([...used], ['parseXml']);
    for (const name of used) assert.equal(typeof (TeaXmlErrorBody as unknown as Record<string, unknown>)[name], 'function', name);
  });
});

describe('the XML error reader', () => {
  const xml2js = require('xml2js') as { Parser: new (o: object) => { parseString: (s: string, cb: (err: unknown, out: unknown) => void) => void } };
  /** What `@alicloud/tea-xml` would have returned (its `_parseXML`). */
  const viaXml2js = (body: string): unknown => {
    let result: unknown;
    new xml2js.Parser({ explicitArray: false }).parseString(body, (err, out) => { if (err !== null) throw err; result = out; });
    return result;
  };
  const documents: Array<{ name: string; body: string; code: string }> = [
    {
      name: 'the POP error document with an XML declaration',
      body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <RequestId>7A5E2B2C-1234</RequestId>\n  <HostId>kms.cn-hangzhou.aliyuncs.com</HostId>\n  <Code>Forbidden.NoPermission</Code>\n  <Message>You are not authorized to do this action.</Message>\n</Error>\n',
      code: 'Forbidden.NoPermission',
    },
    {
      name: 'entities and character references in the message',
      body: '<Error><Code>Throttling.User</Code><Message>Request was denied &amp; &lt;throttled&gt; &quot;x&quot; &apos;y&apos; &#65;&#x42;</Message><RequestId>r-1</RequestId></Error>',
      code: 'Throttling.User',
    },
    {
      name: 'an empty element and a Recommend link',
      body: '<Error><RequestId>r-2</RequestId><HostId></HostId><Code>InternalError</Code><Message>The request processing has failed due to some unknown error.</Message><Recommend>https://api.aliyun.com/troubleshoot?q=InternalError</Recommend></Error>',
      code: 'InternalError',
    },
  ];
  for (const d of documents) {
    it(`reads ${d.name} as xml2js would`, () => {
      const got = TeaXmlErrorBody.parseXml(d.body, null);
      assert.equal(got.Error.Code, d.code);
      const expected = viaXml2js(d.body) as { Error: Record<string, unknown> };
      // xml2js gives '' for an empty element; so do we.
      assert.deepEqual(got, expected);
    });
  }

  const bad: Array<{ name: string; body: string; why: RegExp }> = [
    { name: 'an HTML gateway page', body: '<html><body><h1>502 Bad Gateway</h1></body></html>', why: /has no <Error> element/ },
    { name: 'an Error element without a Code', body: '<Error><Message>nope</Message></Error>', why: /has no <Code>/ },
    { name: 'an empty body', body: '', why: /has no <Error> element/ },
  ];
  for (const b of bad) {
    it(`refuses ${b.name} with a retryable E_PROVIDER naming what it accepts`, () => {
      assert.throws(() => TeaXmlErrorBody.parseXml(b.body, null), (err: unknown) => {
        assert.ok(err instanceof InjectorError);
        assert.equal(err.code, ErrorCode.PROVIDER);
        assert.equal(err.retryable, true);
        assert.equal(err.detail.cloudCode, 'MalformedResponse');
        assert.match(err.message, b.why);
        assert.match(err.message, /<Error><Code>/);
        return true;
      });
    });
  }
});

describe("the injector's prom-client stand-in (injector/prom-client-core.mjs)", () => {
  // A plain-JavaScript module without types (it only exists for the bundle): imported by a
  // specifier held in a variable, so the type checker does not look for declarations.
  const CORE = '../../injector/prom-client-core.mjs';
  it('exports prom-client\'s own classes, the same objects its index exports', async () => {
    const real = require('prom-client') as Record<string, unknown>;
    const core = (await import(CORE)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(core).sort(), ['Counter', 'Gauge', 'Histogram', 'Registry']);
    for (const [name, value] of Object.entries(core)) assert.equal(value, real[name], `${name} is not prom-client's own ${name}`);
  });

  it('every value the injector imports from prom-client is provided', async () => {
    const core = (await import(CORE)) as Record<string, unknown>;
    const used = new Set<string>();
    for (const e of await readdir(join(ROOT, 'injector'), { withFileTypes: true, recursive: true })) {
      if (!e.isFile() || !e.name.endsWith('.ts')) continue;
      const source = await readFile(join(e.parentPath, e.name), 'utf8');
      for (const m of source.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+'prom-client'/g)) {
        if (m[1] !== undefined) continue;
        for (const part of m[2]!.split(',')) {
          const name = part.trim();
          if (name !== '' && !name.startsWith('type ')) used.add(name.split(/\s+as\s+/)[0]!);
        }
      }
      assert.doesNotMatch(source, /import\s+\w+\s*(,|from\s+'prom-client')|import\s+\*\s+as\s+\w+\s+from\s+'prom-client'/, `${e.name}: a default or namespace import of prom-client cannot be checked name by name`);
    }
    assert.ok(used.size > 0, 'no injector file imports prom-client: the stand-in and its plugin entry can go');
    for (const name of used) assert.ok(name in core, `the injector imports ${name} from prom-client, which injector/prom-client-core.mjs does not export`);
  });
});

describe("the injector's @alicloud/credentials stand-in (injector/cloud/sdk-credentials-core.cjs)", () => {
  type CredentialClass = new (config: unknown, provider: unknown) => Record<string, () => unknown>;
  const real = require('@alicloud/credentials') as { default: CredentialClass; Config: unknown; CredentialModel: unknown };
  const slim = require(join(ROOT, 'injector', 'cloud', 'sdk-credentials-core.cjs')) as { default: CredentialClass; Config: unknown; CredentialModel: unknown };

  it('provides every name the SDK reads from the package (openapi-client, gateway-spi); Config is the real class', async () => {
    const used = new Set<string>();
    for (const pkg of ['@alicloud/openapi-client', '@alicloud/gateway-spi']) {
      const source = await readFile(require.resolve(pkg), 'utf8');
      const vars = [...source.matchAll(/(?:const|var|let)\s+([\w$]+)\s*=\s*(?:__import\w+\()?require\("@alicloud\/credentials"\)\)?(?:,\s*([\w$]+)\s*=\s*\1)?/g)].flatMap((m) => [m[1]!, ...(m[2] === undefined ? [] : [m[2]])]);
      assert.ok(vars.length > 0, `${pkg} requires @alicloud/credentials`);
      for (const v of vars) for (const m of source.matchAll(new RegExp(`${v.replace(/\$/g, '\\$')}\\.([A-Za-z_]\\w*)`, 'g'))) used.add(m[1]!);
    }
    assert.deepEqual([...used].sort(), ['Config', 'default']);
    assert.equal(typeof slim.default, 'function');
    assert.equal(slim.Config, real.Config);
    assert.equal(slim.CredentialModel, real.CredentialModel);
  });

  it('answers every method as the real Credential does for a custom provider', async () => {
    const cases = [
      { name: 'STS credentials', c: { accessKeyId: 'STS.id', accessKeySecret: 'sk', securityToken: 'tok', providerName: 'oidc_role_arn/pod' } },
      { name: 'keys without a token', c: { accessKeyId: 'LTAI.id', accessKeySecret: 'sk2', securityToken: '', providerName: 'static' } },
    ];
    for (const { name, c } of cases) {
      const provider = { getProviderName: () => c.providerName, getCredentials: async () => ({ ...c }) };
      const [a, b] = [new real.default(null, provider), new slim.default(null, provider)];
      for (const method of ['getAccessKeyId', 'getAccessKeySecret', 'getSecurityToken', 'getBearerToken', 'getType', 'getCredential']) {
        assert.deepEqual(await b[method]!(), await a[method]!(), `${name}: ${method}`);
      }
      assert.equal(((await b.getCredential!()) as object).constructor, ((await a.getCredential!()) as object).constructor, `${name}: the same CredentialModel class`);
    }
  });

  it('refuses a Config (the SDK choosing credentials itself), naming why', () => {
    assert.throws(() => new slim.default({ type: 'access_key', accessKeyId: 'x', accessKeySecret: 'y' }, null), /only from its own source[^\n]*Config of type "access_key"/);
    assert.throws(() => new slim.default(null, null), /missing provider/);
  });
});
