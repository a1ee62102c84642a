// The part of `@alicloud/credentials` the injector uses, for the esbuild bundle only
// (scripts/sdk-slim-plugin.mjs maps the package here).
//
// Why: the package's index (dist/src/client.js) requires every credential provider at load time:
// the default chain, ECS RAM role, URI, OIDC, RAM role ARN, the CLI and INI profiles and the
// external-process provider, which bring in child_process (and with it dgram and net's socket
// list), ini, os and kitx: about 7 ms of `init`'s start and 0.7 MB of the agent's heap
// (docs/benchmarks.md). The injector never lets the SDK choose credentials: every client gets a
// `Credential` built from the injector's own source through the documented custom-provider path
// (`new Credential(null, provider)`, injector/cloud/credentials.ts toSdkCredential), and the STS
// exchange that needs no credentials gets none.
//
// What the SDK reads from the package, checked by test/unit/bundle-sdk-slim.test.ts against the
// real sources of @alicloud/openapi-client and @alicloud/gateway-spi:
// - `default`: the `Credential` class. openapi-client keeps `config.credential` as it is given,
//   names the class in `Config.types()`, and builds one itself only from keys or a bearer token
//   in its `Config`, which the injector never sets; that path throws here, naming why.
// - `Config`: the real class (its module loads only tea-typescript, which the SDK loads anyway).
// The provider path below is client.js's `Credential` + `InnerCredentialsClient`, line for line;
// the same test compares every method's result with the real class's.
//
// CommonJS, so that `import CredentialsModule from '@alicloud/credentials'` (credentials.ts) and
// openapi-client's `require()` see the same `module.exports` shape as the real package's.
'use strict';
const Config = require('@alicloud/credentials/dist/src/config.js').default;
const CredentialModel = require('@alicloud/credentials/dist/src/credential_model.js').default;

/** client.js `isCredentialsProviderClass`. */
function isCredentialsProvider(p) {
  return Boolean(p) && typeof p.getCredentials === 'function' && typeof p.getProviderName === 'function';
}

/** client.js `InnerCredentialsClient`: reads the provider's current credentials on every call. */
class InnerCredentialsClient {
  constructor(type, provider) {
    this.type = type;
    this.provider = provider;
  }
  async getAccessKeyId() { return (await this.provider.getCredentials()).accessKeyId; }
  async getAccessKeySecret() { return (await this.provider.getCredentials()).accessKeySecret; }
  async getSecurityToken() { return (await this.provider.getCredentials()).securityToken; }
  getBearerToken() { return undefined; }
  getType() { return this.type; }
  async getCredential() {
    const c = await this.provider.getCredentials();
    return new CredentialModel({ accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.securityToken, bearerToken: undefined, type: this.getType(), providerName: c.providerName });
  }
}

/** client.js `Credential`, custom-provider path only. */
class Credential {
  constructor(config = null, provider = null) {
    if (!isCredentialsProvider(provider)) {
      throw new Error(`the injector's bundle builds SDK credentials only from its own source (new Credential(null, provider)); got a ${config === null ? 'missing provider' : `Config of type ${JSON.stringify(config.type)}`} (scripts/sdk-slim-plugin.mjs)`);
    }
    this.credential = new InnerCredentialsClient(provider.getProviderName(), provider);
  }
  getAccessKeyId() { return this.credential.getAccessKeyId(); }
  getAccessKeySecret() { return this.credential.getAccessKeySecret(); }
  getSecurityToken() { return this.credential.getSecurityToken(); }
  getBearerToken() { return this.credential.getBearerToken(); }
  getType() { return this.credential.getType(); }
  getCredential() { return this.credential.getCredential(); }
}

Object.defineProperty(exports, '__esModule', { value: true });
exports.default = Credential;
exports.Config = Config;
exports.CredentialModel = CredentialModel;
